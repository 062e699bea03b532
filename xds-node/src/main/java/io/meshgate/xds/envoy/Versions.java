package io.meshgate.xds.envoy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Versions are content hashes, never counters, so replicas that translate the same input agree
 * without talking to each other. Serialisation is deterministic (map fields in key order).
 */
public final class Versions {
  private Versions() {}

  /** The version of one resource: the first 16 hex digits of SHA-256 over its bytes. */
  public static String of(Message resource) {
    return ofBytes(bytes(resource));
  }

  /** The version of a resource from its deterministic serialisation. */
  static String ofBytes(byte[] bytes) {
    MessageDigest digest = sha256();
    digest.update(bytes);
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  /** The version of a resource from its deterministic serialisation. */
  static String ofBytes(ByteString bytes) {
    MessageDigest digest = sha256();
    digest.update(bytes.asReadOnlyByteBuffer());
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  /**
   * The version of a set from its members' names and versions: equal to no other set's, and cheap,
   * as no resource is serialised again.
   */
  public static String ofVersions(List<String> namesAndVersions) {
    MessageDigest digest = sha256();
    for (String entry : namesAndVersions) {
      digest.update(entry.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) '\n');
    }
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  /** The deterministic serialisation of a message, as a {@link ByteString}. */
  static ByteString byteString(Message message) {
    return UnsafeByteOperations.unsafeWrap(bytes(message));
  }

  static byte[] bytes(Message message) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(message.getSerializedSize());
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      coded.useDeterministicSerialization();
      message.writeTo(coded);
      coded.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
