package io.meshgate.xds.ir;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * What a matched request gets: forwarded to clusters by weight, redirected, or answered directly.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RouteActionIr.Forward.class, name = "forward"),
  @JsonSubTypes.Type(value = RouteActionIr.Redirect.class, name = "redirect"),
  @JsonSubTypes.Type(value = RouteActionIr.DirectResponse.class, name = "direct"),
  @JsonSubTypes.Type(value = RouteActionIr.Serve.class, name = "serve")
})
public sealed interface RouteActionIr {

  /**
   * Forwards to clusters in proportion to their weights (all weights positive), optionally with a
   * new Host header and path.
   *
   * @param hostRewrite the Host (authority) sent upstream; null keeps the request's
   * @param pathRewrite the path sent upstream; null keeps the request's
   * @param mirrors where copies of the requests go (shadow traffic)
   * @param hashOn what the clusters' consistent hash uses (ring hash, maglev); null: none
   */
  record Forward(
      List<WeightedClusterIr> clusters,
      String hostRewrite,
      PathRewriteIr pathRewrite,
      List<MirrorIr> mirrors,
      HashOnIr hashOn)
      implements RouteActionIr {
    public Forward {
      clusters = Lists.copy(clusters);
      mirrors = Lists.copy(mirrors);
      if (clusters.isEmpty()) {
        throw new IllegalArgumentException("a forward needs at least one cluster");
      }
    }

    public Forward(List<WeightedClusterIr> clusters) {
      this(clusters, null, null, List.of(), null);
    }
  }

  /**
   * Answers with a redirect; every null part keeps the request's.
   *
   * @param status 301, 302, 303, 307 or 308
   */
  record Redirect(String scheme, String host, Integer port, PathRewriteIr path, int status)
      implements RouteActionIr {}

  /** Answers without an upstream, e.g. 500 for a route whose backends cannot be resolved. */
  record DirectResponse(int status, String body) implements RouteActionIr {
    public DirectResponse {
      body = body == null ? "" : body;
    }
  }

  /**
   * Hands the request to the application itself: a proxyless gRPC server's own route (Envoy's
   * non-forwarding action, gRFC A36).
   */
  record Serve() implements RouteActionIr {}
}
