/**
 * security: who a proxy is. A control-plane CA issues client certificates whose SPIFFE URI names a
 * proxy group; signed proxy tokens are the alternative. The serving side decides a stream's group
 * from its credential, never from what the proxy says about itself. Private keys never appear in
 * logs, etcd (unsealed) or Kafka.
 */
package io.meshgate.xds.security;
