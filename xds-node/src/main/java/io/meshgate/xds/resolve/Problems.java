package io.meshgate.xds.resolve;

import io.meshgate.config.model.Resource;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;

/**
 * Records a problem with its reason. Transitional (issue 17): {@link Context} still takes a problem
 * as one text, so the reason travels in it as {@link Problem#text()} writes it and is read back by
 * Problem's deprecated constructor. The round trip is exact for every message but one ending in
 * {@code " (Reason)"} itself; such a message is a bug here and fails loudly rather than change a
 * status reason. Once Context has {@code problem(Resource, String, ProblemReason, String)}, callers
 * use it and this class goes.
 */
final class Problems {
  private Problems() {}

  static void report(
      Context context, Resource resource, String path, ProblemReason reason, String message) {
    Problem problem = Problem.of(Context.source(resource), path, reason, message);
    @SuppressWarnings("removal")
    Problem readBack = new Problem(problem.source(), path, problem.text());
    if (!readBack.equals(problem)) {
      throw new IllegalArgumentException(
          "message: "
              + message
              + " (expected: no trailing reason in parentheses; the reason is "
              + reason.wireName()
              + ")");
    }
    context.problem(resource, path, problem.text());
  }

  static void reportIf(
      Context context,
      boolean condition,
      Resource resource,
      String path,
      ProblemReason reason,
      String message) {
    if (condition) {
      report(context, resource, path, reason, message);
    }
  }
}
