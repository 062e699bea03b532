package io.meshgate.xds.envoy;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKey;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.RateLimitRuleIr;
import io.meshgate.xds.ir.RateLimitSelectorIr;
import java.util.List;

/**
 * Global rate limits on routes: the rate limit actions that make each request's descriptors, for
 * the filters of {@link GlobalRateLimitFilter} to send to meshgate's rate limit service. A rule's
 * descriptor is its own entry ({@link RateLimitRuleIr#RULE_KEY}, its id) and one entry per
 * selector, in order, with the keys and values the IR gives; the service's rules are made from the
 * same IR, so Envoy never sends a descriptor the service does not know. A route's limits carry the
 * stage of the filter of their policy's failure mode.
 */
final class GlobalRateLimits {
  private GlobalRateLimits() {}

  /** The rate limits of a route: one per rule, at its policy's stage. */
  static List<RateLimit> route(GlobalRateLimitIr limits, String routeName) {
    return limits.rules().stream()
        .map(
            rule -> {
              RateLimit.Builder limit =
                  RateLimit.newBuilder()
                      .setStage(UInt32Value.of(limits.stage().number()))
                      .addActions(
                          RateLimit.Action.newBuilder()
                              .setGenericKey(
                                  RateLimit.Action.GenericKey.newBuilder()
                                      .setDescriptorKey(RateLimitRuleIr.RULE_KEY)
                                      .setDescriptorValue(rule.id())));
              rule.selectors().forEach(s -> limit.addActions(action(s, routeName)));
              return limit.build();
            })
        .toList();
  }

  private static RateLimit.Action action(RateLimitSelectorIr selector, String routeName) {
    RateLimit.Action.Builder action = RateLimit.Action.newBuilder();
    if (selector instanceof RateLimitSelectorIr.ClientAddress address) {
      if (!address.masked()) {
        return action.setRemoteAddress(RateLimit.Action.RemoteAddress.getDefaultInstance()).build();
      }
      RateLimit.Action.MaskedRemoteAddress.Builder masked =
          RateLimit.Action.MaskedRemoteAddress.newBuilder();
      if (address.ipv4PrefixLength() != null) {
        masked.setV4PrefixMaskLen(UInt32Value.of(address.ipv4PrefixLength()));
      }
      if (address.ipv6PrefixLength() != null) {
        masked.setV6PrefixMaskLen(UInt32Value.of(address.ipv6PrefixLength()));
      }
      return action.setMaskedRemoteAddress(masked).build();
    }
    if (selector instanceof RateLimitSelectorIr.Header header) {
      if (header.value() == null) {
        return action
            .setRequestHeaders(
                RateLimit.Action.RequestHeaders.newBuilder()
                    .setHeaderName(header.name())
                    .setDescriptorKey(header.key()))
            .build();
      }
      return action
          .setHeaderValueMatch(
              RateLimit.Action.HeaderValueMatch.newBuilder()
                  .setDescriptorKey(header.key())
                  .setDescriptorValue(header.value())
                  .addHeaders(
                      HeaderMatcher.newBuilder()
                          .setName(header.name())
                          .setStringMatch(StringMatcher.newBuilder().setExact(header.value()))))
          .build();
    }
    if (selector instanceof RateLimitSelectorIr.Claim claim) {
      return action
          .setMetadata(
              RateLimit.Action.MetaData.newBuilder()
                  .setDescriptorKey(claim.key())
                  .setSource(RateLimit.Action.MetaData.Source.DYNAMIC)
                  .setMetadataKey(
                      MetadataKey.newBuilder()
                          .setKey(JwtAuthn.NAME)
                          .addPath(
                              MetadataKey.PathSegment.newBuilder()
                                  .setKey(JwtAuthn.PAYLOAD_METADATA))
                          .addPath(MetadataKey.PathSegment.newBuilder().setKey(claim.name()))))
          .build();
    }
    if (selector instanceof RateLimitSelectorIr.Path path) {
      return action
          .setHeaderValueMatch(
              RateLimit.Action.HeaderValueMatch.newBuilder()
                  .setDescriptorKey(path.key())
                  .setDescriptorValue(path.value())
                  .addHeaders(
                      HeaderMatcher.newBuilder()
                          .setName(":path")
                          .setStringMatch(
                              StringMatcher.newBuilder()
                                  .setSafeRegex(
                                      RegexMatcher.newBuilder()
                                          .setRegex(pathWithQuery(path.match()))))))
          .build();
    }
    return action
        .setGenericKey(
            RateLimit.Action.GenericKey.newBuilder()
                .setDescriptorKey(selector.key())
                .setDescriptorValue(routeName))
        .build();
  }

  /**
   * A regular expression (matched whole, RE2) for {@code :path}, which carries the query: the path
   * condition as routes apply it, then an optional query. A prefix matches whole segments.
   */
  static String pathWithQuery(PathMatchIr match) {
    String query = "(\\?.*)?";
    if (match instanceof PathMatchIr.Exact exact) {
      return Routes.quote(exact.value()) + query;
    }
    if (match instanceof PathMatchIr.Prefix prefix) {
      String value = Routes.trimTrailingSlashes(prefix.value());
      return value.isEmpty() ? "/.*" : Routes.quote(value) + "([/?].*)?";
    }
    return "(?:" + match.value() + ")" + query;
  }
}
