package io.meshgate.xds.envoy;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
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
        endpoints.addLbEndpoints(
            LbEndpoint.newBuilder()
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

  /** HEALTHY is left unset (UNKNOWN), as before: a proxy then routes to it as healthy. */
  private static HealthStatus healthStatus(EndpointIr.Health health) {
    return switch (health) {
      case HEALTHY -> HealthStatus.UNKNOWN;
      case UNHEALTHY -> HealthStatus.UNHEALTHY;
      case DRAINING -> HealthStatus.DRAINING;
    };
  }
}
