package io.meshgate.edge.signature;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;

/**
 * One shared key. Its bytes never leave this class except into the MAC; {@link #toString()} says
 * nothing about them, so a key in a log line or an exception reveals nothing.
 */
public final class HmacKey {
  static final String MAC_ALGORITHM = "HmacSHA256";

  private final SecretKeySpec spec;

  private HmacKey(byte[] bytes) {
    this.spec = new SecretKeySpec(bytes, MAC_ALGORITHM);
  }

  /** A key of these bytes (copied; at least one byte). */
  public static HmacKey of(byte[] bytes) {
    requireNonNull(bytes, "bytes");
    if (bytes.length == 0) {
      throw new IllegalArgumentException("key: 0 bytes (expected: at least 1)");
    }
    return new HmacKey(Arrays.copyOf(bytes, bytes.length));
  }

  SecretKeySpec spec() {
    return spec;
  }

  @Override
  public String toString() {
    return "HmacKey[redacted]";
  }
}
