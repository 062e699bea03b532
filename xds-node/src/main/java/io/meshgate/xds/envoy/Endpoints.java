package io.meshgate.xds.envoy;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.EndpointIr;
import io.meshgate.xds.ir.LocalityIr;

/** Endpoint assignments: every locality carries a weight, which gRPC clients require. */
final class Endpoints {
  /** Envoy's namespace for load-balancing metadata (subsets, a route's metadata_match). */
  static final String LB_METADATA = "envoy.lb";

  private Endpoints() {}

  static ClusterLoadAssignment assignment(ClusterIr cluster) {
    ClusterLoadAssignment.Builder assignment =
        ClusterLoadAssignment.newBuilder().setClusterName(cluster.name());
    for (LocalityIr locality : cluster.localities()) {
      LocalityLbEndpoints.Builder endpoints =
          LocalityLbEndpoints.newBuilder()
              .setLocality(
                  Locality.newBuilder().setRegion(locality.region()).setZone(locality.zone()))
              .setLoadBalancingWeight(UInt32Value.of(locality.weight()))
              .setPriority(locality.priority());
      for (EndpointIr endpoint : locality.endpoints()) {
        LbEndpoint.Builder lbEndpoint = LbEndpoint.newBuilder();
        if (!endpoint.metadata().isEmpty()) {
          lbEndpoint.setMetadata(metadata(endpoint));
        }
        endpoints.addLbEndpoints(
            lbEndpoint
                .setEndpoint(
                    Endpoint.newBuilder()
                        .setAddress(
                            Address.newBuilder()
                                .setSocketAddress(
                                    SocketAddress.newBuilder()
                                        .setAddress(endpoint.address())
                                        .setPortValue(endpoint.port()))))
                .setLoadBalancingWeight(UInt32Value.of(endpoint.weight()))
                .setHealthStatus(healthStatus(endpoint.health())));
      }
      assignment.addEndpoints(endpoints);
    }
    return assignment.build();
  }

  /**
   * An endpoint's labels under {@code envoy.lb}, as string values: the namespace Envoy's subset
   * load balancer and a route's {@code metadata_match} read (Kuma puts its tags there too), so a
   * route can pick endpoints by a Consul tag or meta without anything else configured. Keys in
   * sorted order, which deterministic serialisation keeps anyway.
   */
  private static Metadata metadata(EndpointIr endpoint) {
    Struct.Builder labels = Struct.newBuilder();
    endpoint
        .metadata()
        .forEach((k, v) -> labels.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return Metadata.newBuilder().putFilterMetadata(LB_METADATA, labels.build()).build();
  }

  /** HEALTHY is left unset (UNKNOWN), as before: a proxy then routes to it as healthy. */
  private static HealthStatus healthStatus(EndpointIr.Health health) {
    return switch (health) {
      case HEALTHY -> HealthStatus.UNKNOWN;
      case UNHEALTHY -> HealthStatus.UNHEALTHY;
      case DRAINING -> HealthStatus.DRAINING;
    };
  }
}
