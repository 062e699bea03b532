package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshgate.xds.ir.ProxyKind;
import java.util.List;

/**
 * The one place that lists the HTTP filters, in order, and says why.
 *
 * <p>Today the chain is the router alone; filters of the translation-breadth and security issues
 * join here in this order: CORS before authentication (a preflight must be answered without
 * credentials), authentication before rate limiting (count callers, not anonymous noise), fault
 * injection late, the router always last (Envoy and gRPC both require it).
 *
 * <p>Proxyless gRPC clients reject a non-optional filter they do not know, so they only ever get
 * filters gRPC implements (router, fault, RBAC); any other is left out of their chain.
 */
final class HttpFilters {
  static final String ROUTER = "envoy.filters.http.router";

  private HttpFilters() {}

  static List<HttpFilter> chain(ProxyKind kind) {
    // The same chain for both kinds today; the kinds diverge when the first non-router filter
    // lands.
    return List.of(router());
  }

  private static HttpFilter router() {
    return HttpFilter.newBuilder()
        .setName(ROUTER)
        .setTypedConfig(Any.pack(Router.getDefaultInstance()))
        .build();
  }
}
