package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/** A header (or query parameter) condition; {@code :method} matches the HTTP method. */
public record HeaderMatchIr(String name, StringMatchIr value) {
  public HeaderMatchIr {
    requireNonNull(name, "name");
    requireNonNull(value, "value");
  }
}
