package io.meshgate.discovery;

/**
 * An endpoint's health as its source reports it, in Envoy's terms: a proxy sends new requests only
 * to HEALTHY endpoints, lets requests to DRAINING ones finish, and sends nothing to UNHEALTHY ones.
 */
public enum EndpointHealth {
  HEALTHY,
  UNHEALTHY,
  DRAINING
}
