package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A workload's SPIFFE ID in Istio's form, {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service
 * account>}, so that Istio and its users read meshgate's identities as their own.
 */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount)
    implements Comparable<SpiffeId> {
  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");
  private static final Pattern SEGMENT = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,251}[a-z0-9])?");
  private static final Pattern FORM = Pattern.compile("spiffe://([^/]+)/ns/([^/]+)/sa/([^/]+)");

  public SpiffeId {
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(namespace, "namespace");
    requireNonNull(serviceAccount, "serviceAccount");
    if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
      throw new IllegalArgumentException(
          "trustDomain: '" + trustDomain + "' (expected: lower-case letters, digits, . _ -)");
    }
    if (!SEGMENT.matcher(namespace).matches()) {
      throw new IllegalArgumentException(
          "namespace: '" + namespace + "' (expected: a resource name such as shop)");
    }
    if (!SEGMENT.matcher(serviceAccount).matches()) {
      throw new IllegalArgumentException(
          "serviceAccount: '" + serviceAccount + "' (expected: a resource name such as orders)");
    }
  }

  /** The ID a URI SAN carries, if it has this form. */
  public static Optional<SpiffeId> parse(String uri) {
    if (uri == null) {
      return Optional.empty();
    }
    Matcher matcher = FORM.matcher(uri);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new SpiffeId(matcher.group(1), matcher.group(2), matcher.group(3)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** {@code spiffe://<trust-domain>}: the trust domain's own ID, which names its bundle. */
  public static String trustDomainId(String trustDomain) {
    return "spiffe://" + requireNonNull(trustDomain, "trustDomain");
  }

  /** The prefix every ID of a namespace starts with. */
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
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }
}
