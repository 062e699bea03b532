package io.meshgate.xds.ir;

import java.util.Arrays;
import java.util.Optional;

/**
 * Why a resource could not be translated as written: a reason of Gateway API's ResolvedRefs (and
 * Accepted) conditions, which becomes the reason of the resource's ResolvedRefs=False. Only the
 * reasons meshgate reports; add one when a new problem needs it.
 */
public enum ProblemReason {
  /**
   * Nothing more specific fits. A problem's text does not name this reason (it never has): the text
   * ends with a reason in parentheses only when the reason says more than "invalid".
   */
  INVALID("Invalid"),
  /** A backendRef (or a Sidecar's service or upstream) names a Backend that does not exist. */
  BACKEND_NOT_FOUND("BackendNotFound"),
  /** An older resource already holds the port, server name or policy target. */
  CONFLICTED("Conflicted"),
  /** A BackendTLSPolicy's CA Secret is missing or holds no ca.crt. */
  INVALID_CA_CERTIFICATE_REF("InvalidCACertificateRef"),
  /** A listener's certificateRef cannot be served. */
  INVALID_CERTIFICATE_REF("InvalidCertificateRef"),
  /** None of a route's hostnames fits a listener it attaches to. */
  NO_MATCHING_LISTENER_HOSTNAME("NoMatchingListenerHostname"),
  /** A listener does not take the route (protocol, namespace or kind). */
  NOT_ALLOWED_BY_LISTENERS("NotAllowedByListeners"),
  /** A reference into another namespace (or outside the cert dirs) that nothing permits. */
  REF_NOT_PERMITTED("RefNotPermitted"),
  /** A policy's targetRef names nothing that exists. */
  TARGET_NOT_FOUND("TargetNotFound"),
  /** A resolution failed as a whole (a bug); its proxies keep the last good config. */
  TRANSLATION_FAILED("TranslationFailed"),
  /** Valid, but not something the proxy kind can do; the part is left out or fails closed. */
  UNSUPPORTED_VALUE("UnsupportedValue"),
  /**
   * A mesh's CA has not issued an identity the config needs, or its source cannot reach the CA (the
   * last good identity, if any, is served meanwhile).
   */
  IDENTITY_UNAVAILABLE("IdentityUnavailable"),
  /**
   * An OIDC issuer's discovery document has never been fetched and checked: the policy cannot be
   * translated and its routes answer 500.
   */
  ISSUER_UNAVAILABLE("IssuerUnavailable"),
  /**
   * Refreshing an OIDC issuer's discovery document fails, and the last good document is in use: the
   * policy still works. A warning, which the status can only show as ResolvedRefs=False with this
   * reason.
   */
  ISSUER_DISCOVERY_STALE("IssuerDiscoveryStale"),
  /**
   * meshgate has never fetched a JWT provider's remote key set. Status only: Envoy fetches the keys
   * itself (perhaps from a network meshgate cannot reach), so the config is unchanged.
   */
  KEY_SET_UNAVAILABLE("KeySetUnavailable"),
  /**
   * Refreshing a JWT provider's remote key set fails after an earlier fetch succeeded. Status only,
   * like {@link #KEY_SET_UNAVAILABLE}.
   */
  KEY_SET_STALE("KeySetStale"),
  /**
   * A SecurityPolicy asks for a WAF and this replica has no WAF module to give Envoy ({@code
   * MESHGATE_WAF_MODULE_URL} and {@code MESHGATE_WAF_MODULE_SHA256}): its routes answer 500.
   */
  WAF_MODULE_UNAVAILABLE("WafModuleUnavailable");

  private final String wireName;

  ProblemReason(String wireName) {
    this.wireName = wireName;
  }

  /** The reason as a condition carries it, e.g. {@code BackendNotFound}. */
  public String wireName() {
    return wireName;
  }

  /** By exact wire name ({@code BackendNotFound}). */
  public static Optional<ProblemReason> find(String wireName) {
    return Arrays.stream(values()).filter(r -> r.wireName.equals(wireName)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
