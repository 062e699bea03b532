package io.meshgate.xds.envoy.validate;

import com.google.protobuf.ByteString;
import java.math.BigDecimal;
import java.time.Duration;

/** Values as violation messages show them: bounded, escaped, never a secret. */
final class Shown {
  /** Longer strings are cut to this many characters (a header value can be kilobytes). */
  static final int MAX_CHARS = 48;

  static final String HIDDEN = "(sensitive value not shown)";

  private Shown() {}

  static String string(String value) {
    StringBuilder shown = new StringBuilder("\"");
    int end = Math.min(value.length(), MAX_CHARS);
    if (end < value.length() && Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> shown.append("\\\"");
        case '\\' -> shown.append("\\\\");
        case '\n' -> shown.append("\\n");
        case '\r' -> shown.append("\\r");
        case '\t' -> shown.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            shown.append(String.format("\\x%02x", (int) c));
          } else {
            shown.append(c);
          }
        }
      }
    }
    shown.append('"');
    if (end < value.length()) {
      shown.append("... (").append(value.length()).append(" chars)");
    }
    return shown.toString();
  }

  static String bytes(ByteString value) {
    return value.size() + " bytes";
  }

  static String duration(Duration value) {
    return BigDecimal.valueOf(value.getSeconds())
            .add(BigDecimal.valueOf(value.getNano(), 9))
            .stripTrailingZeros()
            .toPlainString()
        + "s";
  }
}
