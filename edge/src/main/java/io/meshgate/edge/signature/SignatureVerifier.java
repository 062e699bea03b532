package io.meshgate.edge.signature;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.meshgate.edge.signature.SignatureBase.Base;
import io.meshgate.edge.signature.SignatureBase.Built;
import io.meshgate.edge.signature.SignatureBase.Failed;
import io.meshgate.edge.signature.StructuredFields.BareItem;
import io.meshgate.edge.signature.StructuredFields.InnerList;
import io.meshgate.edge.signature.StructuredFields.Item;
import io.meshgate.edge.signature.StructuredFields.Limits;
import io.meshgate.edge.signature.StructuredFields.Member;
import io.meshgate.edge.signature.StructuredFields.ParseException;
import io.meshgate.edge.signature.StructuredFields.SfBytes;
import io.meshgate.edge.signature.StructuredFields.SfInteger;
import io.meshgate.edge.signature.StructuredFields.SfString;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;

/**
 * Verifies RFC 9421 HTTP message signatures made with {@code hmac-sha256} against one policy. Pure:
 * the time is passed in, nothing is stored (the nonce, once verified, is the caller's to record).
 *
 * <p>Each signature of the request (at most {@value #MAX_SIGNATURES}) is tried in the order of
 * {@code Signature-Input}; the first that verifies wins, and when none does, the first one's reason
 * is the answer. A signature verifies when: its parameters are well typed; {@code alg}, if given,
 * is {@code hmac-sha256}; {@code keyid} names a key of the policy; {@code created} is present and
 * within {@code maxSkew} of now either way; {@code expires}, if given, is not past; a {@code nonce}
 * is present when the policy requires one; every component the policy requires is covered, and
 * {@code content-digest} too when the request has a body, whose digest must then match; and the
 * HMAC over the signature base equals the signature (compared in constant time).
 */
public final class SignatureVerifier {
  /** The largest {@code Signature-Input}, {@code Signature} or {@code Content-Digest} field. */
  public static final int MAX_FIELD_LENGTH = 8192;

  public static final int MAX_SIGNATURES = 4;
  public static final int MAX_COMPONENTS = 32;
  static final int MAX_PARAMETERS = 8;

  /** The longest {@code keyid} and {@code nonce} accepted. */
  public static final int MAX_PARAMETER_LENGTH = 256;

  static final Limits LIMITS = new Limits(MAX_SIGNATURES, MAX_COMPONENTS, MAX_PARAMETERS);
  static final String ALGORITHM = "hmac-sha256";
  static final int SIGNATURE_BYTES = 32;

  private SignatureVerifier() {}

  /** Verifies the request's signatures against the policy at {@code now}. */
  public static Verdict verify(HmacPolicy policy, SignedRequest request, Instant now) {
    List<String> inputs = request.header("signature-input");
    List<String> signatures = request.header("signature");
    if (inputs.isEmpty() || signatures.isEmpty()) {
      return new Verdict.Rejected(Reason.MISSING_SIGNATURE);
    }
    String inputField = String.join(", ", inputs);
    String signatureField = String.join(", ", signatures);
    if (inputField.length() > MAX_FIELD_LENGTH || signatureField.length() > MAX_FIELD_LENGTH) {
      return new Verdict.Rejected(Reason.FIELD_TOO_LARGE);
    }
    Map<String, Member> input;
    try {
      input = StructuredFields.parseDictionary(inputField, LIMITS);
    } catch (ParseException e) {
      return new Verdict.Rejected(inputReason(e.kind()));
    }
    Map<String, Member> signature;
    try {
      signature = StructuredFields.parseDictionary(signatureField, LIMITS);
    } catch (ParseException e) {
      return new Verdict.Rejected(Reason.MALFORMED_SIGNATURE);
    }
    Optional<Reason> bodyProblem = checkBody(policy, request);
    Reason first = null;
    for (Map.Entry<String, Member> entry : input.entrySet()) {
      Verdict verdict =
          bodyProblem.isPresent()
              ? new Verdict.Rejected(bodyProblem.get())
              : verifyOne(policy, request, now, entry.getKey(), entry.getValue(), signature);
      if (verdict instanceof Verdict.Verified) {
        return verdict;
      }
      if (first == null) {
        first = ((Verdict.Rejected) verdict).reason();
      }
    }
    return new Verdict.Rejected(first);
  }

  private static Verdict verifyOne(
      HmacPolicy policy,
      SignedRequest request,
      Instant now,
      String label,
      Member inputMember,
      Map<String, Member> signatures) {
    if (!(inputMember instanceof InnerList params)) {
      return new Verdict.Rejected(Reason.MALFORMED_SIGNATURE_INPUT);
    }
    Member signatureMember = signatures.get(label);
    if (signatureMember == null) {
      return new Verdict.Rejected(Reason.NO_SIGNATURE_FOR_LABEL);
    }
    if (!(signatureMember instanceof Item item && item.value() instanceof SfBytes signatureBytes)) {
      return new Verdict.Rejected(Reason.MALFORMED_SIGNATURE);
    }
    Set<String> covered = new HashSet<>();
    for (Item component : params.items()) {
      if (!(component.value() instanceof SfString name) || !isComponentName(name.value())) {
        return new Verdict.Rejected(Reason.MALFORMED_COMPONENTS);
      }
      if (!covered.add(name.value())) {
        return new Verdict.Rejected(Reason.MALFORMED_COMPONENTS);
      }
    }
    Map<String, BareItem> parameters = params.parameters();
    BareItem alg = parameters.get("alg");
    if (alg != null && !(alg instanceof SfString a && a.value().equals(ALGORITHM))) {
      return new Verdict.Rejected(Reason.WRONG_ALGORITHM);
    }
    BareItem keyid = parameters.get("keyid");
    if (keyid == null) {
      return new Verdict.Rejected(Reason.MISSING_KEYID);
    }
    if (!(keyid instanceof SfString k) || k.value().length() > MAX_PARAMETER_LENGTH) {
      return new Verdict.Rejected(Reason.MALFORMED_PARAMETERS);
    }
    Optional<HmacKey> key = policy.key(k.value());
    if (key.isEmpty()) {
      return new Verdict.Rejected(Reason.UNKNOWN_KEY);
    }
    BareItem created = parameters.get("created");
    if (created == null) {
      return new Verdict.Rejected(Reason.MISSING_CREATED);
    }
    if (!(created instanceof SfInteger c)) {
      return new Verdict.Rejected(Reason.MALFORMED_PARAMETERS);
    }
    Instant createdAt = Instant.ofEpochSecond(c.value());
    if (createdAt.isAfter(now.plus(policy.maxSkew()))) {
      return new Verdict.Rejected(Reason.CREATED_IN_FUTURE);
    }
    if (createdAt.isBefore(now.minus(policy.maxSkew()))) {
      return new Verdict.Rejected(Reason.EXPIRED);
    }
    BareItem expires = parameters.get("expires");
    if (expires != null) {
      if (!(expires instanceof SfInteger e)) {
        return new Verdict.Rejected(Reason.MALFORMED_PARAMETERS);
      }
      if (now.isAfter(Instant.ofEpochSecond(e.value()))) {
        return new Verdict.Rejected(Reason.EXPIRED);
      }
    }
    BareItem nonce = parameters.get("nonce");
    if (nonce != null
        && !(nonce instanceof SfString n
            && !n.value().isEmpty()
            && n.value().length() <= MAX_PARAMETER_LENGTH)) {
      return new Verdict.Rejected(Reason.MALFORMED_PARAMETERS);
    }
    if (nonce == null && policy.nonce() == NonceRule.REQUIRED) {
      return new Verdict.Rejected(Reason.MISSING_NONCE);
    }
    for (String required : policy.requiredComponents()) {
      if (!covered.contains(required)) {
        return new Verdict.Rejected(Reason.MISSING_COMPONENT);
      }
    }
    if (request.hasBody() && !covered.contains("content-digest")) {
      return new Verdict.Rejected(Reason.MISSING_COMPONENT);
    }
    Built base = SignatureBase.of(request, params);
    if (base instanceof Failed failed) {
      return new Verdict.Rejected(failed.reason());
    }
    byte[] expected = hmac(key.get(), ((Base) base).text());
    // Constant time: how long the comparison takes says nothing about how many bytes matched.
    if (!MessageDigest.isEqual(expected, signatureBytes.value())) {
      return new Verdict.Rejected(Reason.SIGNATURE_MISMATCH);
    }
    return new Verdict.Verified(
        label,
        k.value(),
        nonce == null ? Optional.empty() : Optional.of(((SfString) nonce).value()),
        createdAt);
  }

  // The body is checked once for all signatures: its size, that it arrived, and its digest.
  private static Optional<Reason> checkBody(HmacPolicy policy, SignedRequest request) {
    if (!request.hasBody()) {
      return Optional.empty();
    }
    if (request.body().isEmpty() || request.body().get().length == 0) {
      return Optional.of(
          announcedLength(request).orElse(0L) > policy.maxBodyBytes()
              ? Reason.BODY_TOO_LARGE
              : Reason.BODY_NOT_RECEIVED);
    }
    byte[] body = request.body().get();
    if (body.length > policy.maxBodyBytes() || announcedLength(request).orElse(0L) > body.length) {
      // Envoy sent part of a larger body: what was not received cannot be verified.
      return Optional.of(Reason.BODY_TOO_LARGE);
    }
    return ContentDigest.check(request.header("content-digest"), body);
  }

  private static Reason inputReason(ParseException.Kind kind) {
    switch (kind) {
      case TOO_MANY_MEMBERS:
        return Reason.TOO_MANY_SIGNATURES;
      case TOO_MANY_ITEMS:
        return Reason.TOO_MANY_COMPONENTS;
      default:
        return Reason.MALFORMED_SIGNATURE_INPUT;
    }
  }

  private static Optional<Long> announcedLength(SignedRequest request) {
    try {
      return request.first("content-length").map(length -> Long.parseLong(length.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean isComponentName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-_.@!#$%&'*+^`|~".indexOf(c) >= 0;
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  static byte[] hmac(HmacKey key, String base) {
    try {
      Mac mac = Mac.getInstance(HmacKey.MAC_ALGORITHM);
      mac.init(key.spec());
      return mac.doFinal(base.getBytes(UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has HmacSHA256", e);
    }
  }
}
