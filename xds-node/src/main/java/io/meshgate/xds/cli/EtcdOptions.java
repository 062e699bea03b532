package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --etcd} and how to reach it, for a command that talks to etcd alone (no Kafka, unlike
 * {@link ClusterOptions}): {@code meshgate token} and {@code meshgate mesh-ca} mix these in.
 */
final class EtcdOptions {
  @Option(
      names = "--etcd",
      descriptionKey = "etcd",
      defaultValue = "http://127.0.0.1:2379",
      description =
          "etcd endpoints, comma-separated (env MESHGATE_ETCD; default ${DEFAULT-VALUE}).")
  String etcd;

  @Mixin EtcdAccessOptions etcdAccess;

  /** A client for {@code --etcd} that answered within {@code --timeout}; the caller closes it. */
  Client client() {
    return etcdAccess.client(etcd);
  }
}
