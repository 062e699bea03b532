package io.meshgate.edge.signature;

import io.meshgate.edge.signature.StructuredFields.Item;
import io.meshgate.edge.signature.StructuredFields.Limits;
import io.meshgate.edge.signature.StructuredFields.Member;
import io.meshgate.edge.signature.StructuredFields.ParseException;
import io.meshgate.edge.signature.StructuredFields.SfBytes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code Content-Digest} (RFC 9530) checked against the body: a dictionary of algorithm → byte
 * sequence. {@code sha-256} and {@code sha-512} are checked; other algorithms are ignored, and at
 * least one of the two must be present. Every one present must match.
 */
final class ContentDigest {
  private static final Limits LIMITS = new Limits(8, 0, 0);
  private static final Map<String, String> ALGORITHMS =
      Map.of("sha-256", "SHA-256", "sha-512", "SHA-512");

  private ContentDigest() {}

  /** Empty when the digest matches the body; the reason otherwise. */
  static Optional<Reason> check(List<String> fields, byte[] body) {
    if (fields.isEmpty()) {
      // The signature must cover content-digest; building its base reports the missing field.
      return Optional.empty();
    }
    String field = String.join(", ", fields);
    if (field.length() > SignatureVerifier.MAX_FIELD_LENGTH) {
      return Optional.of(Reason.FIELD_TOO_LARGE);
    }
    Map<String, Member> digests;
    try {
      digests = StructuredFields.parseDictionary(field, LIMITS);
    } catch (ParseException e) {
      return Optional.of(Reason.MALFORMED_CONTENT_DIGEST);
    }
    boolean checked = false;
    for (Map.Entry<String, String> algorithm : ALGORITHMS.entrySet()) {
      Member member = digests.get(algorithm.getKey());
      if (member == null) {
        continue;
      }
      if (!(member instanceof Item item && item.value() instanceof SfBytes expected)) {
        return Optional.of(Reason.MALFORMED_CONTENT_DIGEST);
      }
      if (!MessageDigest.isEqual(digest(algorithm.getValue(), body), expected.value())) {
        return Optional.of(Reason.DIGEST_MISMATCH);
      }
      checked = true;
    }
    return checked ? Optional.empty() : Optional.of(Reason.UNSUPPORTED_DIGEST);
  }

  static byte[] digest(String algorithm, byte[] body) {
    try {
      return MessageDigest.getInstance(algorithm).digest(body);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has " + algorithm, e);
    }
  }
}
