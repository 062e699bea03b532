package io.meshgate.xds.resolve;

import io.meshgate.config.model.ResourceKey;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.RouteIr;
import java.util.Comparator;

/**
 * A route before ordering, with what Gateway API's precedence needs. Order: exact paths first; then
 * prefix and regular-expression paths by length, longest first (a regex before a prefix of the same
 * length); then routes matching a method; then more header matches; then more query matches; then
 * the older route (creationTimestamp), then route namespace/name, rule index and match index — as
 * Gateway API orders ties — so equal inputs give equal order on every replica.
 */
record Candidate(
    RouteIr route, ResourceKey source, String created, int rule, int match, boolean method) {
  static final Comparator<Candidate> PRECEDENCE =
      Comparator.comparingInt(
              (Candidate c) -> c.route.match().path() instanceof PathMatchIr.Exact ? 0 : 1)
          .thenComparing(
              Comparator.comparingInt((Candidate c) -> c.route.match().path().value().length())
                  .reversed())
          .thenComparingInt(c -> c.route.match().path() instanceof PathMatchIr.Regex ? 0 : 1)
          .thenComparingInt(c -> c.method ? 0 : 1)
          .thenComparing(
              Comparator.comparingInt((Candidate c) -> c.route.match().headers().size()).reversed())
          .thenComparing(
              Comparator.comparingInt((Candidate c) -> c.route.match().queryParams().size())
                  .reversed())
          .thenComparing(c -> c.created == null ? "" : c.created)
          .thenComparing(c -> c.source.namespace())
          .thenComparing(c -> c.source.name())
          .thenComparing(c -> c.source.kind())
          .thenComparingInt(c -> c.rule)
          .thenComparingInt(c -> c.match);
}
