package io.meshgate.edge.ratelimit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The Redis key of one counter: {@value #PREFIX} and the first 32 hex digits (128 bits) of the
 * SHA-256 of domain, entries, unit and window start. Descriptor values come from requests (client
 * addresses, headers, claims), so they never form a Redis key: no key injection, no unbounded key
 * length, no personal data readable from Redis. 128 bits make an accidental collision of two live
 * counters practically impossible; a deliberate one would need a second preimage of SHA-256. Every
 * string is length-prefixed before hashing, so ({@code "ab","c"}) and ({@code "a","bc"}) never
 * share a key.
 */
final class CounterKeys {
  static final String PREFIX = "meshgate:rl:";
  private static final int HEX_DIGITS = 32;

  private CounterKeys() {}

  static String of(String domain, List<Entry> entries, Window window) {
    MessageDigest sha256 = sha256();
    update(sha256, "meshgate-rate-limit-v1");
    update(sha256, domain);
    sha256.update(ByteBuffer.allocate(4).putInt(entries.size()).array());
    for (Entry entry : entries) {
      update(sha256, entry.key());
      update(sha256, entry.value());
    }
    update(sha256, window.unit().name());
    sha256.update(ByteBuffer.allocate(8).putLong(window.startEpochSecond()).array());
    return PREFIX + HexFormat.of().formatHex(sha256.digest()).substring(0, HEX_DIGITS);
  }

  private static void update(MessageDigest digest, String text) {
    byte[] bytes = text.getBytes(UTF_8);
    digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
    digest.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
