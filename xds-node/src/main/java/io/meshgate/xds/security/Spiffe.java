package io.meshgate.xds.security;

import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The SPIFFE IDs that name proxy groups: {@code spiffe://meshgate/group/<group>}, e.g. {@code
 * spiffe://meshgate/group/gateway/default/edge} (docs/security.md).
 */
public final class Spiffe {
  public static final String TRUST_DOMAIN = "meshgate";
  private static final String PREFIX = "spiffe://" + TRUST_DOMAIN + "/group/";

  private Spiffe() {}

  public static URI forGroup(String group) {
    if (group == null
        || group.isBlank()
        || group.contains("..")
        || group.startsWith("/")
        || group.endsWith("/")) {
      throw new IllegalArgumentException(
          "group: '" + group + "' (expected e.g. gateway/default/edge or proxyless)");
    }
    return URI.create(PREFIX + group);
  }

  /** The group a SPIFFE ID names, if it is one of ours. */
  public static Optional<String> group(@Nullable String uri) {
    if (uri == null || !uri.startsWith(PREFIX) || uri.length() == PREFIX.length()) {
      return Optional.empty();
    }
    return Optional.of(uri.substring(PREFIX.length()));
  }
}
