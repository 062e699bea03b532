package io.meshgate.xds.resolve;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectRef;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.xds.ir.ProblemReason;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * CA bundles from the {@code ca.crt} of Secrets a policy names ({@code caCertificateRefs}), as a
 * BackendTLSPolicy names them: Secrets of the policy's namespace, concatenated in order. A CA is
 * public, so it lives in a Secret's {@code data} and may enter the IR.
 */
final class CaBundles {
  private CaBundles() {}

  /**
   * The PEM of every referenced {@code ca.crt}, or empty with a Problem at {@code at + i} for the
   * first reference that is not a Secret, does not exist or holds no {@code ca.crt}.
   */
  static Optional<String> pem(Context context, Resource policy, List<ObjectRef> refs, String at) {
    StringBuilder pem = new StringBuilder();
    for (int i = 0; i < refs.size(); i++) {
      ObjectRef ref = refs.get(i);
      Optional<Resource> secret =
          "Secret".equals(ref.kind()) && ref.group().isEmpty()
              ? context.get(new ResourceKey(Kind.SECRET, policy.metadata().namespace(), ref.name()))
              : Optional.empty();
      String ca = secret.map(s -> s.spec(SecretSpec.class).data().get("ca.crt")).orElse(null);
      if (ca == null) {
        context.problem(
            policy,
            at + i,
            ProblemReason.INVALID_CA_CERTIFICATE_REF,
            (secret.isEmpty()
                    ? ref.kind() + " '" + ref.name() + "' not found (expected: a Secret)"
                    : "Secret '" + ref.name() + "' has no ca.crt")
                + "; the routes this policy governs answer 500 until it is fixed");
        return Optional.empty();
      }
      pem.append(new String(Base64.getDecoder().decode(ca), StandardCharsets.UTF_8));
    }
    return Optional.of(pem.toString());
  }

  /** The first 8 hex digits of the bundle's SHA-256: tells bundles apart in a name. */
  static String fingerprint(String pem) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(pem.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
