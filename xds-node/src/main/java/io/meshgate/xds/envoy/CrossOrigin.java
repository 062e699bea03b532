package io.meshgate.xds.envoy;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshgate.xds.ir.CorsIr;
import io.meshgate.xds.ir.StringMatchIr;

/**
 * A SecurityPolicy's {@code cors} as Envoy's CORS filter: the filter sits in every Gateway chain
 * unconfigured, and each route carries its {@link CorsPolicy} in {@code typed_per_filter_config}
 * (the route's own {@code cors} field is deprecated). A route without one is not touched: the
 * filter adds no header and answers no preflight there.
 */
final class CrossOrigin {
  static final String NAME = "envoy.filters.http.cors";

  private CrossOrigin() {}

  /** The filter's own config, which holds nothing: every rule is per route. */
  static Cors filter() {
    return Cors.getDefaultInstance();
  }

  /** A route's policy. */
  static CorsPolicy perRoute(CorsIr cors) {
    CorsPolicy.Builder policy = CorsPolicy.newBuilder();
    for (StringMatchIr origin : cors.allowOrigins()) {
      policy.addAllowOriginStringMatch(
          origin instanceof StringMatchIr.Exact
              ? StringMatcher.newBuilder().setExact(origin.value())
              : StringMatcher.newBuilder()
                  .setSafeRegex(RegexMatcher.newBuilder().setRegex(origin.value())));
    }
    if (!cors.allowMethods().isEmpty()) {
      policy.setAllowMethods(String.join(",", cors.allowMethods()));
    }
    if (!cors.allowHeaders().isEmpty()) {
      policy.setAllowHeaders(String.join(",", cors.allowHeaders()));
    }
    if (!cors.exposeHeaders().isEmpty()) {
      policy.setExposeHeaders(String.join(",", cors.exposeHeaders()));
    }
    if (cors.maxAgeSeconds() != null) {
      policy.setMaxAge(Long.toString(cors.maxAgeSeconds()));
    }
    if (cors.allowCredentials()) {
      policy.setAllowCredentials(BoolValue.of(true));
    }
    return policy.build();
  }
}
