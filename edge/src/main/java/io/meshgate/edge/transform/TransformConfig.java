package io.meshgate.edge.transform;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The transformations the service knows, by name. Immutable. */
public final class TransformConfig {
  public static final TransformConfig EMPTY = new TransformConfig(Map.of());

  private final Map<String, Transformation> byName;

  private TransformConfig(Map<String, Transformation> byName) {
    this.byName = byName;
  }

  /** One config of these transformations; a name may appear once. */
  public static TransformConfig of(Iterable<Transformation> transformations) {
    Map<String, Transformation> byName = new TreeMap<>();
    for (Transformation t : transformations) {
      Transformation held = byName.putIfAbsent(t.name(), t);
      if (held != null && !held.equals(t)) {
        throw new IllegalArgumentException("transformation " + t.name() + " is defined twice");
      }
    }
    return new TransformConfig(Map.copyOf(byName));
  }

  public Optional<Transformation> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public int size() {
    return byName.size();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TransformConfig other && byName.equals(other.byName);
  }

  @Override
  public int hashCode() {
    return byName.hashCode();
  }

  @Override
  public String toString() {
    return "TransformConfig" + byName.keySet();
  }
}
