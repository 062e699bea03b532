package io.meshgate.config.model;

/** Patterns of names and values, as Gateway API and Kubernetes define them. */
public final class Patterns {
  private Patterns() {}

  /** RFC 1123 subdomain: resource and section names. */
  public static final String NAME =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** RFC 1123 label: namespaces, port names. */
  public static final String LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /**
   * A name Consul's SPIFFE IDs carry (datacenter, namespace): lowercase letters, digits, '.', '_'
   * and '-', starting and ending with a letter or digit.
   */
  public static final String CONSUL_NAME = "^[a-z0-9]([a-z0-9._-]{0,251}[a-z0-9])?$";

  /** Gateway API hostname: a DNS name, optionally with one leading wildcard label. */
  public static final String HOSTNAME =
      "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A DNS name without wildcard: the same rule as {@link #NAME}. */
  public static final String PRECISE_HOSTNAME = NAME;

  /** Gateway API duration: up to four number-unit pairs, units h, m, s, ms (e.g. 1m30s). */
  public static final String DURATION = "^([0-9]{1,5}(h|m|s|ms)){1,4}$";

  /** An HTTP header name (RFC 7230 token). */
  public static final String HEADER_NAME = "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$";

  /**
   * A component an HTTP message signature (RFC 9421) covers: a derived component meshgate verifies,
   * or a lower-case header field name.
   */
  public static final String SIGNATURE_COMPONENT =
      "^(@(method|target-uri|authority|scheme|path|query|request-target)|[a-z0-9!#$%&'*+\\-.^_`|~]+)$";

  /** An API group: empty (Kubernetes core) or a DNS name. */
  public static final String GROUP =
      "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A kind name. */
  public static final String KIND = "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$";

  /** An absolute HTTP path. */
  public static final String PATH = "^/";

  /** URI scheme of a redirect. */
  public static final String SCHEME = "^(http|https)$";

  /** An https URL. */
  public static final String HTTPS_URL = "^https://[^\\s]+$";

  /** An http or https URL. */
  public static final String HTTP_URL = "^https?://[^\\s]+$";

  /** A SPIFFE trust domain. */
  public static final String TRUST_DOMAIN = "^[a-z0-9._-]+$";

  /** A workload's SPIFFE ID in the form meshgate issues: spiffe://DOMAIN/ns/NAMESPACE/sa/NAME. */
  public static final String SPIFFE_ID =
      "^spiffe://[a-z0-9._-]+/ns/[a-z0-9]([-a-z0-9]*[a-z0-9])?/sa/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

  /** A Kubernetes label or annotation key (optional DNS prefix, then a name). */
  public static final String LABEL_KEY =
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
          + "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$";

  /** A Kubernetes label value (may be empty). */
  public static final String LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";

  /** A Secret data key. */
  public static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";

  /** An OAuth scope token (RFC 6749 section 3.3): printable ASCII but space, quote, backslash. */
  public static final String SCOPE = "^[!#-\\[\\]-~]+$";

  /** A CIDR block, IPv4 or IPv6 (the address itself is checked in Java). */
  public static final String CIDR = "^[0-9a-fA-F:.]+/[0-9]{1,3}$";

  /** A WAF rule tag as the Core Rule Set writes them: attack-sqli, paranoia-level/2, OWASP_CRS. */
  public static final String WAF_TAG = "^[A-Za-z0-9][A-Za-z0-9_./:-]*$";

  /** A JSON Pointer (RFC 6901) to a member below the root: {@code /a/b/0}. */
  public static final String JSON_POINTER = "^(/([^~/]|~[01])+)+$";
}
