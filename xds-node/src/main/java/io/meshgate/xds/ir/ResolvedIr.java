package io.meshgate.xds.ir;

import java.util.List;
import java.util.stream.Stream;

/**
 * The translation input for every proxy group, and the problems met on the way.
 *
 * @param failed groups whose resolution failed as a whole: they are not in {@code groups}, and
 *     their proxies keep the last good snapshot
 */
public record ResolvedIr(List<ProxyGroupIr> groups, List<Problem> problems, List<String> failed) {
  public ResolvedIr {
    groups = Lists.copy(groups);
    problems = Lists.copy(problems);
    failed = Lists.copy(failed);
  }

  public ResolvedIr(List<ProxyGroupIr> groups, List<Problem> problems) {
    this(groups, problems, List.of());
  }

  /** Every route of every group's route tables, group by group, in table and host order. */
  public Stream<RouteIr> routes() {
    return groups.stream()
        .flatMap(g -> g.routeTables().stream())
        .flatMap(t -> t.virtualHosts().stream())
        .flatMap(h -> h.routes().stream());
  }
}
