package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * meshgate's external processing service as Envoy reaches it: a STATIC cluster over HTTP/2.
 *
 * @param cluster {@code meshgate/extproc}
 */
public record ExtProcIr(String cluster, String host, int port) {
  public ExtProcIr {
    requireNonNull(cluster, "cluster");
    requireNonNull(host, "host");
  }
}
