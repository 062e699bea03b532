/**
 * The intermediate representation between the two translators: what each proxy group should get, in
 * plain records and sealed types. A serialisable contract (it round-trips through YAML, with type
 * tags on sealed types) that never imports Envoy, etcd or Kafka types. Lists are in output order:
 * sorted by name, except routes, which are in match precedence order.
 */
package io.meshgate.xds.ir;
