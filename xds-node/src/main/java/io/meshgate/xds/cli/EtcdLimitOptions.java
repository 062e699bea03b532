package io.meshgate.xds.cli;

import io.meshgate.config.apply.EtcdLimits;
import picocli.CommandLine.Option;

/**
 * etcd's transaction limits, for the commands that build or check the applier's transactions:
 * {@code node} applies events within them, {@code apply --atomic} checks a changeset against them
 * before publishing. Set both to what the etcd cluster runs with.
 */
final class EtcdLimitOptions {
  @Option(
      names = "--etcd-max-txn-ops",
      descriptionKey = "etcd-max-txn-ops",
      defaultValue = "" + EtcdLimits.DEFAULT_MAX_TXN_OPS,
      description =
          "etcd's --max-txn-ops: operations and comparisons allowed in one transaction (env MESHGATE_ETCD_MAX_TXN_OPS; default ${DEFAULT-VALUE}).")
  int maxTxnOps;

  @Option(
      names = "--etcd-max-request-bytes",
      descriptionKey = "etcd-max-request-bytes",
      defaultValue = "" + EtcdLimits.DEFAULT_MAX_REQUEST_BYTES,
      description =
          "etcd's --max-request-bytes: the largest transaction etcd takes (env MESHGATE_ETCD_MAX_REQUEST_BYTES; default ${DEFAULT-VALUE}).")
  long maxRequestBytes;

  EtcdLimits limits() {
    return new EtcdLimits(maxTxnOps, maxRequestBytes);
  }
}
