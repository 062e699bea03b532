package io.meshgate.edge.signature;

/**
 * Why a request's signature was not accepted. {@link #text()} is what the client reads in {@code
 * x-meshgate-signature-error}: it names the rule that failed and never carries key material, the
 * signature base or the signature.
 */
public enum Reason {
  MISSING_SIGNATURE("no Signature and Signature-Input header fields"),
  FIELD_TOO_LARGE("a signature header field is too large"),
  MALFORMED_SIGNATURE_INPUT("Signature-Input is not a valid structured field dictionary"),
  MALFORMED_SIGNATURE("Signature is not a valid structured field dictionary"),
  TOO_MANY_SIGNATURES("too many signatures"),
  NO_SIGNATURE_FOR_LABEL("a Signature-Input label has no Signature"),
  MALFORMED_COMPONENTS("the covered components are not a list of lower-case names"),
  TOO_MANY_COMPONENTS("too many covered components"),
  UNSUPPORTED_COMPONENT("a covered component is not supported"),
  COMPONENT_NOT_IN_REQUEST("a covered header field is not in the request"),
  INVALID_COMPONENT_VALUE("a covered value holds a line break"),
  MALFORMED_PARAMETERS("a signature parameter has the wrong type"),
  WRONG_ALGORITHM("alg is not hmac-sha256"),
  MISSING_KEYID("keyid is missing"),
  UNKNOWN_KEY("keyid is not known"),
  MISSING_CREATED("created is missing"),
  CREATED_IN_FUTURE("created is later than the allowed clock skew"),
  EXPIRED("the signature has expired"),
  MISSING_NONCE("nonce is missing"),
  REPLAYED_NONCE("nonce was already used"),
  MISSING_COMPONENT("a required component is not covered"),
  BODY_TOO_LARGE("the body is larger than the policy allows"),
  BODY_NOT_RECEIVED("the request has a body the verifier did not receive"),
  MALFORMED_CONTENT_DIGEST("Content-Digest is not a valid structured field dictionary"),
  UNSUPPORTED_DIGEST("Content-Digest has no sha-256 or sha-512"),
  DIGEST_MISMATCH("Content-Digest does not match the body"),
  SIGNATURE_MISMATCH("the signature does not match"),
  NONCE_STORE_UNAVAILABLE("the nonce store is unavailable"),
  UNKNOWN_POLICY("no signature policy for this route");

  private final String text;

  Reason(String text) {
    this.text = text;
  }

  /** A short reason for the client: no key, no signature base, no signature. */
  public String text() {
    return text;
  }
}
