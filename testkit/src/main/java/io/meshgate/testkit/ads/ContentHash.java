package io.meshgate.testkit.ads;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** meshgate's resource version: the first 16 hex digits of SHA-256 over the resource's bytes. */
public final class ContentHash {
  private ContentHash() {}

  public static String of(Any resource) {
    return of(resource.getValue());
  }

  public static String of(ByteString bytes) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes.asReadOnlyByteBuffer());
      return HexFormat.of().formatHex(digest.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
