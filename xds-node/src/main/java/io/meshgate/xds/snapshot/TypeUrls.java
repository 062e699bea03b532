package io.meshgate.xds.snapshot;

import java.util.List;

/** The resource types served, in the order a proxy should apply them (clusters before routes). */
public final class TypeUrls {
  public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  /** Served only to streams with a credential, and only their own group's. */
  public static final String SECRET =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  /**
   * Envoy's recommended order: CDS, EDS, LDS, RDS; secrets after endpoints, so a listener's
   * certificates are there when it arrives (it would wait for them otherwise).
   */
  public static final List<String> ALL = List.of(CLUSTER, ENDPOINT, SECRET, LISTENER, ROUTE);

  private TypeUrls() {}

  /**
   * Whether a request naming no resources of this type means all of them: listeners and clusters;
   * routes, endpoints and secrets are always asked for by name.
   */
  public static boolean allowsWildcard(String typeUrl) {
    return typeUrl.equals(LISTENER) || typeUrl.equals(CLUSTER);
  }
}
