package io.meshgate.edge.ratelimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The limits the service enforces: immutable, always valid (the constructor refuses what {@link
 * #check} reports), and indexed for lookup. The service reads it from a {@code
 * Supplier<RateLimitConfig>} on every request, so a new config applies from the next request on.
 */
public final class RateLimitConfig {
  private static final RateLimitConfig EMPTY = new RateLimitConfig(List.of());

  private final List<DomainRules> domains;
  private final Map<String, Level> index;

  private RateLimitConfig(List<DomainRules> domains) {
    this.domains = List.copyOf(domains);
    List<ConfigProblem> problems = check(this.domains);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid rate limit config: "
              + problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
    }
    Map<String, Level> byDomain = new HashMap<>();
    for (DomainRules domain : this.domains) {
      byDomain.put(domain.domain(), Level.of(domain.descriptors()));
    }
    this.index = Map.copyOf(byDomain);
  }

  /** No limits: every request is OK. */
  public static RateLimitConfig empty() {
    return EMPTY;
  }

  /**
   * The config of these domains.
   *
   * @throws IllegalArgumentException listing every problem {@link #check} finds
   */
  public static RateLimitConfig of(List<DomainRules> domains) {
    return new RateLimitConfig(List.copyOf(domains));
  }

  public static RateLimitConfig of(DomainRules... domains) {
    return of(List.of(domains));
  }

  public List<DomainRules> domains() {
    return domains;
  }

  /**
   * The problems of a would-be config, each with a path; empty when it is valid. A request carries
   * at most {@link RequestBounds#MAX_ENTRIES_LIMIT} entries, so rules nested deeper never match and
   * are refused.
   */
  public static List<ConfigProblem> check(List<DomainRules> domains) {
    List<ConfigProblem> problems = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < domains.size(); i++) {
      DomainRules domain = domains.get(i);
      String path = "/domains/" + i;
      if (domain.domain().isBlank()) {
        problems.add(new ConfigProblem(path + "/domain", "must not be empty"));
      }
      Integer earlier = seen.putIfAbsent(domain.domain(), i);
      if (earlier != null) {
        problems.add(
            new ConfigProblem(
                path + "/domain",
                "duplicate domain '" + domain.domain() + "' (also at /domains/" + earlier + ")"));
      }
      checkLevel(domain.descriptors(), path, 1, problems);
    }
    return List.copyOf(problems);
  }

  private static void checkLevel(
      List<DescriptorRule> rules, String parent, int depth, List<ConfigProblem> problems) {
    Map<List<Object>, Integer> seen = new HashMap<>();
    for (int i = 0; i < rules.size(); i++) {
      DescriptorRule rule = rules.get(i);
      String path = parent + "/descriptors/" + i;
      if (depth > RequestBounds.MAX_ENTRIES_LIMIT) {
        problems.add(
            new ConfigProblem(
                path,
                "nested "
                    + depth
                    + " levels deep (expected: at most "
                    + RequestBounds.MAX_ENTRIES_LIMIT
                    + ", the most entries a request may carry)"));
        return;
      }
      if (rule.key().isEmpty()) {
        problems.add(new ConfigProblem(path + "/key", "must not be empty"));
      }
      List<Object> identity = new ArrayList<>();
      identity.add(rule.key());
      identity.add(Optional.ofNullable(rule.value()));
      Integer earlier = seen.putIfAbsent(identity, i);
      if (earlier != null) {
        String what =
            rule.value() == null
                ? "key '" + rule.key() + "' without a value"
                : "key '" + rule.key() + "' with value '" + rule.value() + "'";
        problems.add(
            new ConfigProblem(
                path,
                "duplicate descriptor: "
                    + what
                    + " (also at "
                    + parent
                    + "/descriptors/"
                    + earlier
                    + ")"));
      }
      Limit limit = rule.limit();
      if (limit != null) {
        if (limit.unit() == null) {
          problems.add(
              new ConfigProblem(
                  path + "/limit/unit", "missing (expected: SECOND, MINUTE, HOUR or DAY)"));
        }
        if (limit.requestsPerUnit() < 1 || limit.requestsPerUnit() > Limit.MAX_REQUESTS_PER_UNIT) {
          problems.add(
              new ConfigProblem(
                  path + "/limit/requestsPerUnit",
                  limit.requestsPerUnit()
                      + " (expected: 1.."
                      + Limit.MAX_REQUESTS_PER_UNIT
                      + "; to block everything, use an authorization policy)"));
        }
      }
      checkLevel(rule.descriptors(), path, depth + 1, problems);
    }
  }

  /**
   * The rule whose limit governs a request descriptor, looked up as the reference service does:
   * each entry in turn must match a rule at its level (key and value before key alone), and the
   * limit is the one on the rule that matched the last entry. Empty when an entry matches nothing
   * or the last rule has no limit: then the descriptor is not limited.
   */
  public Optional<Limit> find(String domain, List<Entry> entries) {
    Level level = index.get(domain);
    if (level == null || entries.isEmpty()) {
      return Optional.empty();
    }
    for (int i = 0; i < entries.size(); i++) {
      Node node = level.match(entries.get(i));
      if (node == null) {
        return Optional.empty();
      }
      if (i == entries.size() - 1) {
        return Optional.ofNullable(node.rule().limit());
      }
      level = node.children();
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RateLimitConfig config && config.domains.equals(domains);
  }

  @Override
  public int hashCode() {
    return domains.hashCode();
  }

  @Override
  public String toString() {
    return "RateLimitConfig" + domains;
  }

  private record Node(DescriptorRule rule, Level children) {}

  private record Level(Map<String, Node> keyOnly, Map<Entry, Node> keyAndValue) {
    static Level of(List<DescriptorRule> rules) {
      Map<String, Node> keyOnly = new HashMap<>();
      Map<Entry, Node> keyAndValue = new HashMap<>();
      for (DescriptorRule rule : rules) {
        Node node = new Node(rule, of(rule.descriptors()));
        String value = rule.value();
        if (value == null) {
          keyOnly.put(rule.key(), node);
        } else {
          keyAndValue.put(new Entry(rule.key(), value), node);
        }
      }
      return new Level(Map.copyOf(keyOnly), Map.copyOf(keyAndValue));
    }

    Node match(Entry entry) {
      Node exact = keyAndValue.get(entry);
      return exact != null ? exact : keyOnly.get(entry.key());
    }
  }
}
