package io.meshgate.xds.serve;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshgate.xds.snapshot.SnapshotStore;

/**
 * Which group a proxy belongs to, from its node metadata: {@code meshgate.io/gateway:
 * [NAMESPACE/]NAME}, {@code meshgate.io/sidecar: [NAMESPACE/]NAME}, {@code meshgate.io/proxyless:
 * "true"} or {@code meshgate.io/proxyless: NAMESPACE/SERVICE_ACCOUNT} (a proxyless service with a
 * mesh identity, group {@code proxyless/NAMESPACE/SERVICE_ACCOUNT}); otherwise the node's cluster.
 * (The xDS security issue derives it from credentials.)
 */
public final class ProxyGroups {
  public static final String GATEWAY = "meshgate.io/gateway";
  public static final String SIDECAR = "meshgate.io/sidecar";
  public static final String PROXYLESS = "meshgate.io/proxyless";

  /** The group of every proxyless client, and the prefix of those with an identity. */
  private ProxyGroups() {}

  /**
   * The group the node's metadata names; empty when it names none (then the credential decides).
   */
  public static String claimed(Node node) {
    Struct metadata = node.getMetadata();
    if (!text(metadata, GATEWAY).isEmpty()
        || !text(metadata, SIDECAR).isEmpty()
        || metadata.containsFields(PROXYLESS)) {
      String group = of(node);
      return group.equals(node.getCluster()) && !metadata.containsFields(PROXYLESS) ? "" : group;
    }
    return "";
  }

  public static String of(Node node) {
    Struct metadata = node.getMetadata();
    String gateway = text(metadata, GATEWAY);
    if (!gateway.isEmpty()) {
      return "gateway/" + qualified(gateway);
    }
    String sidecar = text(metadata, SIDECAR);
    if (!sidecar.isEmpty()) {
      return "sidecar/" + qualified(sidecar);
    }
    Value proxyless = metadata.getFieldsOrDefault(PROXYLESS, Value.getDefaultInstance());
    if (proxyless.getBoolValue() || "true".equalsIgnoreCase(proxyless.getStringValue())) {
      return SnapshotStore.PROXYLESS;
    }
    String service = proxyless.getStringValue().trim();
    if (service.contains("/")) {
      return SnapshotStore.PROXYLESS + "/" + service;
    }
    return node.getCluster();
  }

  private static String text(Struct metadata, String key) {
    return metadata.getFieldsOrDefault(key, Value.getDefaultInstance()).getStringValue().trim();
  }

  /** {@code NAME} → {@code default/NAME}; {@code NS/NAME} stays. */
  private static String qualified(String name) {
    return name.contains("/") ? name : "default/" + name;
  }
}
