package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.UpstreamProtocol;

/** Clusters: always EDS over ADS, the service name equal to the cluster name (gRPC insists). */
final class Clusters {
  static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  private Clusters() {}

  static Cluster eds(ClusterIr cluster) {
    Cluster.Builder builder =
        Cluster.newBuilder()
            .setName(cluster.name())
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(
                Cluster.EdsClusterConfig.newBuilder()
                    .setEdsConfig(ConfigSources.ADS)
                    .setServiceName(cluster.name()))
            .setConnectTimeout(Durations.fromSeconds(5))
            .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
    if (cluster.protocol() == UpstreamProtocol.HTTP2) {
      builder.putTypedExtensionProtocolOptions(
          HTTP_PROTOCOL_OPTIONS,
          Any.pack(
              HttpProtocolOptions.newBuilder()
                  .setExplicitHttpConfig(
                      HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                          .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                  .build()));
    }
    return builder.build();
  }
}
