package io.meshgate.xds.ir;

/** What a cluster speaks to its endpoints. */
public enum UpstreamProtocol {
  HTTP1,
  /** HTTP/2, as gRPC backends need. */
  HTTP2
}
