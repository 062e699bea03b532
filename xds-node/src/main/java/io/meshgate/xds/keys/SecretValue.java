package io.meshgate.xds.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One unsealed value of an Opaque Secret: immutable bytes, equal by content, that never print.
 * {@link #toString()} shows the length and a short fingerprint, so a value in a log line or a
 * problem message says which value it is without saying what it is.
 */
public final class SecretValue {
  private final byte[] bytes;

  private SecretValue(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A value holding a copy of {@code bytes}. */
  public static SecretValue of(byte[] bytes) {
    return new SecretValue(bytes.clone());
  }

  /** A copy of the bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes as UTF-8 text (the form API keys, passwords and client secrets take). */
  public String utf8() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  public int length() {
    return bytes.length;
  }

  /** The first 8 hex digits of the value's SHA-256: enough to tell two values apart in a log. */
  public String fingerprint() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SecretValue value && MessageDigest.isEqual(bytes, value.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "SecretValue[" + bytes.length + " bytes, sha256:" + fingerprint() + "]";
  }
}
