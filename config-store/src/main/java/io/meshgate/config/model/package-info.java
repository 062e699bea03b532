/**
 * The resource model: what users write, as plain records and enums in Gateway API's shapes plus
 * meshgate's own kinds. Records guard and copy in their compact constructors and fill Gateway API's
 * defaults, so two spellings of the same intent are equal. Absent lists and maps are empty, never
 * null; absent optional scalars are null.
 *
 * <p>The model never imports Envoy, etcd or Kafka types (LayeringTest), and it does not validate:
 * the validator checks raw documents before they are bound to these types.
 */
package io.meshgate.config.model;
