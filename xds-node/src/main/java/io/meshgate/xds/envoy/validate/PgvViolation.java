package io.meshgate.xds.envoy.validate;

import static java.util.Objects.requireNonNull;

/**
 * One broken protoc-gen-validate rule: where, as a field path from the checked message ({@code
 * load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value}; list
 * elements by index, map entries by key, an Any's content under the Any's field); which rule, as
 * PGV names it ({@code uint32.lte}, {@code message.required}, {@code oneof.required}); and what is
 * wrong, with the actual value ({@code 70000 (expected: <= 65535)}). Strings in messages are
 * shortened to a bounded prefix, bytes are shown by their length only, and values under a field
 * Envoy marks sensitive are never shown.
 */
public record PgvViolation(String path, String rule, String message) {
  public PgvViolation {
    requireNonNull(path, "path");
    requireNonNull(rule, "rule");
    requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return path + ": " + message + " [" + rule + "]";
  }
}
