package io.meshgate.config.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Null-tolerant immutable copies for compact constructors: absent becomes empty. */
final class Copies {
  private Copies() {}

  static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : List.copyOf(list);
  }

  /** Sorted by key, so equal maps serialise to equal bytes. */
  static <V> Map<String, V> map(Map<String, V> map) {
    return map == null || map.isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new TreeMap<>(map));
  }
}
