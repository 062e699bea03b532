package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every kind meshgate accepts, with the API group versions it accepts it under and its spec type.
 * Gateway API kinds accept every version Gateway API has published for them, so YAML written for
 * Kubernetes applies unchanged.
 */
public enum Kind {
  GATEWAY("Gateway", Groups.GATEWAY_API, List.of("v1", "v1beta1", "v1alpha2"), GatewaySpec.class),
  HTTP_ROUTE(
      "HTTPRoute", Groups.GATEWAY_API, List.of("v1", "v1beta1", "v1alpha2"), HttpRouteSpec.class),
  GRPC_ROUTE("GRPCRoute", Groups.GATEWAY_API, List.of("v1", "v1alpha2"), GrpcRouteSpec.class),
  TLS_ROUTE("TLSRoute", Groups.GATEWAY_API, List.of("v1alpha3", "v1alpha2"), TlsRouteSpec.class),
  TCP_ROUTE("TCPRoute", Groups.GATEWAY_API, List.of("v1alpha2"), TcpRouteSpec.class),
  REFERENCE_GRANT(
      "ReferenceGrant",
      Groups.GATEWAY_API,
      List.of("v1beta1", "v1alpha2"),
      ReferenceGrantSpec.class),
  BACKEND_TLS_POLICY(
      "BackendTLSPolicy",
      Groups.GATEWAY_API,
      List.of("v1", "v1alpha3", "v1alpha2"),
      BackendTlsPolicySpec.class),
  TRAFFIC_POLICY("TrafficPolicy", Groups.MESHGATE, List.of("v1alpha1"), TrafficPolicySpec.class),
  SECURITY_POLICY("SecurityPolicy", Groups.MESHGATE, List.of("v1alpha1"), SecurityPolicySpec.class),
  TRANSFORM_POLICY(
      "TransformPolicy", Groups.MESHGATE, List.of("v1alpha1"), TransformPolicySpec.class),
  BACKEND("Backend", Groups.MESHGATE, List.of("v1alpha1"), BackendSpec.class),
  WORKLOAD("Workload", Groups.MESHGATE, List.of("v1alpha1"), WorkloadSpec.class),
  SIDECAR("Sidecar", Groups.MESHGATE, List.of("v1alpha1"), SidecarSpec.class),
  TRAFFIC_PERMISSION(
      "TrafficPermission", Groups.MESHGATE, List.of("v1alpha1"), TrafficPermissionSpec.class),
  MESH_BRIDGE("MeshBridge", Groups.MESHGATE, List.of("v1alpha1"), MeshBridgeSpec.class),
  /** Kubernetes' core Secret: apiVersion {@code v1}, no group. */
  SECRET("Secret", Groups.CORE, List.of("v1"), SecretSpec.class);

  private final String wireName;
  private final String group;
  private final List<String> versions;
  private final Class<? extends Spec> specType;

  Kind(String wireName, String group, List<String> versions, Class<? extends Spec> specType) {
    this.wireName = wireName;
    this.group = group;
    this.versions = versions;
    this.specType = specType;
  }

  /** The name as written in {@code kind:}, e.g. {@code HTTPRoute}. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The API group; empty for Kubernetes' core group. */
  public String group() {
    return group;
  }

  /** Accepted versions, newest first. */
  public List<String> versions() {
    return versions;
  }

  /** Every accepted {@code apiVersion} value, newest first. */
  public List<String> apiVersions() {
    return versions.stream().map(v -> group.isEmpty() ? v : group + "/" + v).toList();
  }

  /** The apiVersion meshgate writes: the newest. */
  public String preferredApiVersion() {
    return apiVersions().get(0);
  }

  public boolean accepts(String apiVersion) {
    return apiVersions().contains(apiVersion);
  }

  public Class<? extends Spec> specType() {
    return specType;
  }

  /** The lowercased name used in etcd keys and on the command line, e.g. {@code httproute}. */
  public String lowerName() {
    return wireName.toLowerCase(Locale.ROOT);
  }

  /** By exact wire name ({@code HTTPRoute}). */
  @JsonCreator
  public static Kind fromWireName(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "kind: " + name + " (expected one of: " + names() + ")"));
  }

  public static Optional<Kind> find(String wireName) {
    return Arrays.stream(values()).filter(k -> k.wireName.equals(wireName)).findFirst();
  }

  /** Case-insensitive, as the CLI takes it ({@code httproute}, {@code HTTPRoute}). */
  public static Optional<Kind> findIgnoringCase(String name) {
    return Arrays.stream(values()).filter(k -> k.wireName.equalsIgnoreCase(name)).findFirst();
  }

  /** The wire names, comma-separated, for messages. */
  public static String names() {
    return String.join(", ", Arrays.stream(values()).map(Kind::wireName).toList());
  }

  @Override
  public String toString() {
    return wireName;
  }

  /** API groups. */
  public static final class Groups {
    public static final String GATEWAY_API = "gateway.networking.k8s.io";
    public static final String MESHGATE = "meshgate.io";
    public static final String CORE = "";

    private Groups() {}
  }
}
