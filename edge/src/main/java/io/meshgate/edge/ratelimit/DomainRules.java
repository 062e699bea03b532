package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The rules of one domain: Envoy's filter names the domain in every request. */
public record DomainRules(String domain, List<DescriptorRule> descriptors) {
  public DomainRules {
    requireNonNull(domain, "domain");
    descriptors = List.copyOf(descriptors);
  }

  public static DomainRules of(String domain, DescriptorRule... descriptors) {
    return new DomainRules(domain, List.of(descriptors));
  }
}
