package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SPIFFE ID, {@code spiffe://<trust-domain><path>}, as the SPIFFE ID standard defines it: a trust
 * domain of lower-case letters, digits, dots, dashes and underscores, and a path of non-empty
 * segments of letters, digits, dots, dashes and underscores, none of them {@code .} or {@code ..}.
 *
 * <p>Two forms have names here. A <em>workload</em> in Istio's form, {@code
 * /ns/<namespace>/sa/<service account>}: what meshgate's mesh CA and Istio issue, so that Istio and
 * its users read meshgate's identities as their own. A <em>Consul service</em>, {@code
 * /ns/<namespace>/dc/<datacenter>/svc/<service>}: what Consul's Connect CA issues.
 */
public record SpiffeId(String trustDomain, String path) implements Comparable<SpiffeId> {
  /** The standard's limit on a whole SPIFFE ID. */
  public static final int MAX_LENGTH = 2048;

  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");
  private static final Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,251}[a-z0-9])?");
  private static final Pattern ID = Pattern.compile("spiffe://([^/]+)(/.*)");
  private static final Pattern WORKLOAD = Pattern.compile("/ns/([^/]+)/sa/([^/]+)");

  /** The namespace and service account of an ID in Istio's workload form. */
  public record Workload(String namespace, String serviceAccount) {}

  public SpiffeId {
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(path, "path");
    if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
      throw new IllegalArgumentException(
          "trustDomain: '" + trustDomain + "' (expected: lower-case letters, digits, . _ -)");
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path: '" + path + "' (expected: /segment/...)");
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (!PATH_SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "path: '"
                + path
                + "' (expected: non-empty segments of letters, digits, . _ -, none . or ..)");
      }
    }
    if ("spiffe://".length() + trustDomain.length() + path.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("longer than " + MAX_LENGTH + " characters");
    }
  }

  /** {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service account>}, Istio's form. */
  public static SpiffeId workload(String trustDomain, String namespace, String serviceAccount) {
    requireName("namespace", namespace, "shop");
    requireName("serviceAccount", serviceAccount, "orders");
    return new SpiffeId(trustDomain, "/ns/" + namespace + "/sa/" + serviceAccount);
  }

  /** {@code spiffe://<trust-domain>/ns/<namespace>/dc/<datacenter>/svc/<service>}, Consul's. */
  public static SpiffeId consulService(
      String trustDomain, String namespace, String datacenter, String service) {
    requireName("namespace", namespace, "default");
    requireName("datacenter", datacenter, "dc1");
    requireName("service", service, "web");
    return new SpiffeId(trustDomain, "/ns/" + namespace + "/dc/" + datacenter + "/svc/" + service);
  }

  /** The ID {@code uri} spells, if it is a valid SPIFFE ID with a path. */
  public static Optional<SpiffeId> parse(String uri) {
    if (uri == null || uri.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    Matcher matcher = ID.matcher(uri);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new SpiffeId(matcher.group(1), matcher.group(2)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The namespace and service account, if this ID has Istio's workload form. */
  public Optional<Workload> asWorkload() {
    Matcher matcher = WORKLOAD.matcher(path);
    if (!matcher.matches()
        || !NAME.matcher(matcher.group(1)).matches()
        || !NAME.matcher(matcher.group(2)).matches()) {
      return Optional.empty();
    }
    return Optional.of(new Workload(matcher.group(1), matcher.group(2)));
  }

  /** The path's last segment: the service account or service it names. */
  public String name() {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** {@code spiffe://<trust-domain>}: the trust domain's own ID, which names its bundle. */
  public static String trustDomainId(String trustDomain) {
    return "spiffe://" + requireNonNull(trustDomain, "trustDomain");
  }

  /** The prefix every workload ID of a namespace starts with. */
  public static String namespacePrefix(String trustDomain, String namespace) {
    return trustDomainId(trustDomain) + "/ns/" + namespace + "/";
  }

  public URI uri() {
    return URI.create(toString());
  }

  @Override
  public int compareTo(SpiffeId other) {
    return toString().compareTo(other.toString());
  }

  @Override
  public String toString() {
    return "spiffe://" + trustDomain + path;
  }

  private static void requireName(String field, String value, String example) {
    requireNonNull(value, field);
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field + ": '" + value + "' (expected: a resource name such as " + example + ")");
    }
  }
}
