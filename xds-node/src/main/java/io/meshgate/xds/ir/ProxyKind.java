package io.meshgate.xds.ir;

/** What consumes a group's config; the Envoy stage adapts to what each understands. */
public enum ProxyKind {
  /** Envoy: gateways (and sidecars, later). */
  ENVOY,
  /** Proxyless gRPC clients (grpc-java, grpc-go, grpc-js): only what gRPC's xDS client supports. */
  PROXYLESS
}
