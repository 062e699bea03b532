package io.meshgate.xds.serve;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Bounds text a proxy sends us — a NACK's {@code error_detail} message — before it is kept, logged,
 * reported to etcd, written into a condition or printed. Envoy puts whole validation dumps there;
 * one proxy must not be able to fill the status keys or the logs. The one place the cut is made:
 * AckReporter, Conditions, StreamPeer's log and {@code meshgate status} all call it.
 */
public final class ErrorDetails {
  /** The most bytes (UTF-8) kept of an error detail, the marker included. */
  public static final int MAX_BYTES = 1024;

  private ErrorDetails() {}

  /** {@code text} cut to {@link #MAX_BYTES}; unchanged when it fits (so cutting twice is once). */
  public static String cut(@Nullable String text) {
    return cut(text, MAX_BYTES);
  }

  /**
   * {@code text} unchanged when its UTF-8 form fits in {@code maxBytes}; otherwise its longest
   * prefix that ends on a whole character, followed by "… (cut, N bytes)" with N the original size,
   * the whole within {@code maxBytes}. Null is empty.
   */
  public static String cut(@Nullable String text, int maxBytes) {
    if (text == null) {
      return "";
    }
    int size = utf8Length(text);
    if (size <= maxBytes) {
      return text;
    }
    String marker = "… (cut, " + size + " bytes)";
    int room = maxBytes - utf8Length(marker);
    if (room <= 0) {
      throw new IllegalArgumentException(
          "maxBytes: " + maxBytes + " (expected: room for the marker '" + marker + "')");
    }
    // The encoder stops before a character that does not fit whole, surrogate pairs included.
    CharsetEncoder encoder =
        StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPLACE);
    CharBuffer in = CharBuffer.wrap(text);
    encoder.encode(in, ByteBuffer.allocate(room), true);
    return text.substring(0, in.position()) + marker;
  }

  private static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes += 1; // a lone surrogate is written as '?'
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
