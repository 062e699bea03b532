package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/** A header name and value. */
public record HeaderValueIr(String name, String value) {
  public HeaderValueIr {
    requireNonNull(name, "name");
    requireNonNull(value, "value");
  }
}
