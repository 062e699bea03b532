package io.meshgate.xds.status;

import io.meshgate.config.model.Condition;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.xds.ir.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ResolvedRefs condition of every resource from one resolution's problems: True when none names
 * the resource, else False with the first problem's reason and every problem's path and message.
 * Pure: the writer adds transition times.
 */
public final class Conditions {
  public static final String RESOLVED_REFS = "ResolvedRefs";
  public static final String PROGRAMMED = "Programmed";

  /** Problems end with a Gateway API style reason in parentheses, e.g. "(BackendNotFound)". */
  private static final Pattern REASON = Pattern.compile("\\(([A-Z][A-Za-z]+)\\)\\s*$");

  private static final int MAX_LISTED = 8;

  private Conditions() {}

  /** A condition without its transition time, which the writer keeps or sets. */
  public record Desired(
      String type, String status, String reason, String message, long generation) {
    Condition at(String lastTransitionTime) {
      return new Condition(type, status, reason, message, generation, lastTransitionTime);
    }

    boolean sameAs(Condition c) {
      return c != null
          && type.equals(c.type())
          && status.equals(c.status())
          && reason.equals(c.reason())
          && message.equals(c.message())
          && c.observedGeneration() != null
          && generation == c.observedGeneration();
    }
  }

  /** ResolvedRefs for every resource of the config but Secrets (their users carry the problem). */
  public static Map<ResourceKey, Desired> resolvedRefs(
      Iterable<Resource> resources, List<Problem> problems) {
    Map<String, List<Problem>> bySource = new LinkedHashMap<>();
    for (Problem problem : problems) {
      bySource.computeIfAbsent(sourceKey(problem), k -> new ArrayList<>()).add(problem);
    }
    Map<ResourceKey, Desired> desired = new LinkedHashMap<>();
    for (Resource resource : resources) {
      if (resource.kind() == Kind.SECRET) {
        continue;
      }
      long generation =
          resource.metadata().generation() == null ? 0 : resource.metadata().generation();
      List<Problem> own =
          bySource.getOrDefault(
              resource.kind().wireName()
                  + "/"
                  + resource.metadata().namespace()
                  + "/"
                  + resource.metadata().name(),
              List.of());
      desired.put(resource.key(), resolvedRefs(own, generation));
    }
    return desired;
  }

  static Desired resolvedRefs(List<Problem> problems, long generation) {
    if (problems.isEmpty()) {
      return new Desired(
          RESOLVED_REFS, "True", "ResolvedRefs", "every reference resolved", generation);
    }
    StringBuilder message = new StringBuilder();
    for (int i = 0; i < problems.size() && i < MAX_LISTED; i++) {
      if (i > 0) {
        message.append("; ");
      }
      message.append(problems.get(i).path()).append(": ").append(problems.get(i).message());
    }
    if (problems.size() > MAX_LISTED) {
      message.append("; and ").append(problems.size() - MAX_LISTED).append(" more");
    }
    return new Desired(
        RESOLVED_REFS, "False", reason(problems.get(0).message()), message.toString(), generation);
  }

  static String reason(String message) {
    Matcher m = REASON.matcher(message);
    return m.find() ? m.group(1) : "Invalid";
  }

  private static String sourceKey(Problem problem) {
    return problem.source().kind()
        + "/"
        + problem.source().namespace()
        + "/"
        + problem.source().name();
  }
}
