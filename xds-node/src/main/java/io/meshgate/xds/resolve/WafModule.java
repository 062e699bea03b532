package io.meshgate.xds.resolve;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The OWASP Coraza proxy-wasm module the operator gives every Envoy that runs a WAF: where Envoy
 * fetches it and its SHA-256, which Envoy checks before it loads the module. Operator config, the
 * same on every replica ({@code MESHGATE_WAF_MODULE_URL}, {@code MESHGATE_WAF_MODULE_SHA256}).
 */
public record WafModule(String url, String sha256) {
  public WafModule {
    requireNonNull(url, "url");
    requireNonNull(sha256, "sha256");
    if (JwtPolicies.endpoint(url).isEmpty()) {
      throw new IllegalArgumentException(
          "WAF module URL: '"
              + url
              + "' (expected: an absolute http or https URL with a host, such as"
              + " https://files.example.com/coraza-proxy-wasm-0.6.0.wasm)");
    }
    sha256 = sha256.toLowerCase(Locale.ROOT);
    if (!sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          "WAF module SHA-256: '" + sha256 + "' (expected: 64 hex digits, as sha256sum prints)");
    }
  }

  /** The first 12 hex digits of the SHA-256: names the module in statuses. */
  public String shortSha256() {
    return sha256.substring(0, 12);
  }

  /**
   * The module the two settings name, or none when neither is set.
   *
   * @throws IllegalArgumentException when only one is set, or either is malformed
   */
  public static Optional<WafModule> of(@Nullable String url, @Nullable String sha256) {
    boolean hasUrl = url != null && !url.isBlank();
    boolean hasSha = sha256 != null && !sha256.isBlank();
    if (hasUrl != hasSha) {
      throw new IllegalArgumentException(
          "MESHGATE_WAF_MODULE_URL and MESHGATE_WAF_MODULE_SHA256 go together: Envoy loads a"
              + " module only when its SHA-256 matches");
    }
    return hasUrl ? Optional.of(new WafModule(url.strip(), sha256.strip())) : Optional.empty();
  }
}
