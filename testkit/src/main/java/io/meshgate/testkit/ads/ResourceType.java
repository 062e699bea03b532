package io.meshgate.testkit.ads;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Optional;

/**
 * The four resource types a simulated Envoy takes over ADS, with what the protocol says of each: in
 * state of the world a response of listeners or clusters is the whole set (what it leaves out is
 * gone), one of route tables or assignments only adds to what is held.
 */
public enum ResourceType {
  LISTENER("type.googleapis.com/envoy.config.listener.v3.Listener", Listener.class, true),
  ROUTE(
      "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
      RouteConfiguration.class,
      false),
  CLUSTER("type.googleapis.com/envoy.config.cluster.v3.Cluster", Cluster.class, true),
  ENDPOINT(
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
      ClusterLoadAssignment.class,
      false);

  private final String typeUrl;
  private final Class<? extends Message> messageClass;
  private final boolean sotwWholeSet;

  ResourceType(String typeUrl, Class<? extends Message> messageClass, boolean sotwWholeSet) {
    this.typeUrl = typeUrl;
    this.messageClass = messageClass;
    this.sotwWholeSet = sotwWholeSet;
  }

  public String typeUrl() {
    return typeUrl;
  }

  public Class<? extends Message> messageClass() {
    return messageClass;
  }

  /** True when a state-of-the-world response of this type replaces everything held of it. */
  public boolean sotwWholeSet() {
    return sotwWholeSet;
  }

  /** The type of {@code typeUrl}; empty for a type no simulated Envoy takes. */
  public static Optional<ResourceType> of(String typeUrl) {
    for (ResourceType type : values()) {
      if (type.typeUrl.equals(typeUrl)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /** The name a resource of this type goes by (an assignment's is its cluster name). */
  String nameOf(Message message) {
    return switch (this) {
      case LISTENER -> ((Listener) message).getName();
      case ROUTE -> ((RouteConfiguration) message).getName();
      case CLUSTER -> ((Cluster) message).getName();
      case ENDPOINT -> ((ClusterLoadAssignment) message).getClusterName();
    };
  }
}
