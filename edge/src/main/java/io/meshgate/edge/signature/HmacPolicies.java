package io.meshgate.edge.signature;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Every signature policy by its name ({@code <namespace>/<policy>}); immutable. */
public record HmacPolicies(Map<String, HmacPolicy> byName) {
  public HmacPolicies {
    byName = Collections.unmodifiableMap(new TreeMap<>(byName));
  }

  public static HmacPolicies empty() {
    return new HmacPolicies(Map.of());
  }

  public Optional<HmacPolicy> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Whether some policy needs the nonce store. */
  public boolean needNonces() {
    return byName.values().stream().anyMatch(p -> p.nonce() == NonceRule.REQUIRED);
  }
}
