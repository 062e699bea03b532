package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One level of the descriptor tree, as in Envoy's reference rate limit service: it matches a
 * request entry by {@code key} and, when {@code value} is set, by value too. A rule with a value
 * wins over a rule with the key alone. The {@code limit} applies when this rule matches the request
 * descriptor's last entry; {@code descriptors} match the entries after this one, which is how a
 * limit on a combination (client and path, say) is written.
 */
public record DescriptorRule(
    String key, @Nullable String value, @Nullable Limit limit, List<DescriptorRule> descriptors) {
  public DescriptorRule {
    requireNonNull(key, "key");
    descriptors = List.copyOf(descriptors);
  }

  /** A rule matching any value of {@code key}, with no limit and nothing nested yet. */
  public static DescriptorRule key(String key) {
    return new DescriptorRule(key, null, null, List.of());
  }

  public DescriptorRule value(String value) {
    return new DescriptorRule(key, requireNonNull(value, "value"), limit, descriptors);
  }

  public DescriptorRule limit(Limit limit) {
    return new DescriptorRule(key, value, requireNonNull(limit, "limit"), descriptors);
  }

  /** This rule with {@code nested} added after the rules it nests already. */
  public DescriptorRule nest(DescriptorRule... nested) {
    List<DescriptorRule> all = new ArrayList<>(descriptors);
    all.addAll(List.of(nested));
    return new DescriptorRule(key, value, limit, all);
  }
}
