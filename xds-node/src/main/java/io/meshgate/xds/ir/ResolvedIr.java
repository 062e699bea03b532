package io.meshgate.xds.ir;

import java.util.List;

/** The translation input for every proxy group, and the problems met on the way. */
public record ResolvedIr(List<ProxyGroupIr> groups, List<Problem> problems) {
  public ResolvedIr {
    groups = Lists.copy(groups);
    problems = Lists.copy(problems);
  }
}
