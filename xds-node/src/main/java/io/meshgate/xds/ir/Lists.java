package io.meshgate.xds.ir;

import java.util.List;

/** Immutable copies for compact constructors; absent (as YAML leaves empty lists out) is empty. */
final class Lists {
  private Lists() {}

  static <T> List<T> copy(List<T> list) {
    return list == null ? List.of() : List.copyOf(list);
  }
}
