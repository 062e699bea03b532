package io.meshgate.xds.envoy;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.Credential;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.KeySource;
import io.envoyproxy.envoy.extensions.filters.http.basic_auth.v3.BasicAuth;
import io.envoyproxy.envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute;
import io.meshgate.xds.ir.ApiKeyAuthIr;
import io.meshgate.xds.ir.BasicAuthIr;
import io.meshgate.xds.ir.SecretValuesIr;
import io.meshgate.xds.keys.Htpasswd;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.keys.SecretValue;
import java.util.Optional;

/**
 * A SecurityPolicy's {@code apiKeyAuth} and {@code basicAuth} as Envoy's {@code api_key_auth} and
 * {@code basic_auth} filters. Both are in every Gateway chain, {@code disabled: true} and with no
 * credentials of their own; a route a policy governs enables them with its own per-route config
 * (Envoy enables a disabled filter for a route that carries a config for it). The credentials are
 * read here, from the key ring, by the reference and fingerprint the IR holds; they appear in the
 * route config served to Envoy and nowhere else (Envoy marks the fields {@code sensitive} and
 * redacts them in its own config dump).
 *
 * <p>Where the ring does not hold the values the IR names (it always does: resolve and this stage
 * read one ring), the route's config names no credential, so every request is refused (401), never
 * let through.
 */
final class CredentialAuth {
  static final String API_KEY_AUTH = "envoy.filters.http.api_key_auth";
  static final String BASIC_AUTH = "envoy.filters.http.basic_auth";

  /**
   * The request header that carries the user name basic auth verified: one fixed name, the one
   * meshgate uses for an authenticated client's id, so an upstream has one header to read. Envoy
   * sets it (replacing what a client sent) only on routes with basic auth.
   */
  static final String CLIENT_HEADER = "x-meshgate-client";

  private CredentialAuth() {}

  /** The api_key_auth filter's own config: no credentials, no key source (every route has its). */
  static ApiKeyAuth apiKeyFilter() {
    return ApiKeyAuth.getDefaultInstance();
  }

  /**
   * A user line no password matches: Envoy refuses a basic_auth filter whose own {@code users} are
   * unset or empty (it reads them with {@code allow_empty} false), even a disabled one. A {SHA}
   * hash is compared with the base64 of the password's SHA-1, which never holds a {@code *}, so
   * this user can never sign in; and the filter runs only on routes that bring their own users.
   */
  static final String NO_USER = "meshgate-no-user:{SHA}**no-password-hashes-to-this";

  /**
   * The basic_auth filter's own config: no usable user; the verified user forwarded in one header.
   */
  static BasicAuth basicFilter() {
    return BasicAuth.newBuilder()
        .setUsers(DataSource.newBuilder().setInlineString(NO_USER))
        .setForwardUsernameHeader(CLIENT_HEADER)
        .build();
  }

  /** A route's API keys: where the key is read, and one credential per client of each Secret. */
  static ApiKeyAuthPerRoute apiKeys(ApiKeyAuthIr auth, KeyRing keys) {
    ApiKeyAuthPerRoute.Builder config = ApiKeyAuthPerRoute.newBuilder();
    config.addKeySources(
        auth.header() != null
            ? KeySource.newBuilder().setHeader(auth.header())
            : KeySource.newBuilder().setQuery(auth.query()));
    for (SecretValuesIr ref : auth.credentials()) {
      Optional<KeyMaterial.Values> values = values(ref, keys);
      if (values.isEmpty()) {
        continue;
      }
      for (String client : ref.keys()) {
        SecretValue key = values.get().values().get(client);
        if (key != null) {
          config.addCredentials(Credential.newBuilder().setKey(key.utf8()).setClient(client));
        }
      }
    }
    return config.build();
  }

  /** A route's basic-auth users, inline, one {@code user:{SHA}hash} line each. */
  static BasicAuthPerRoute basic(BasicAuthIr auth, KeyRing keys) {
    SecretValuesIr ref = auth.users();
    String lines =
        values(ref, keys)
            .map(v -> v.values().get(ref.keys().get(0)))
            .map(file -> Htpasswd.lines(Htpasswd.parse(file.utf8()).users()))
            .orElse("");
    return BasicAuthPerRoute.newBuilder()
        .setUsers(DataSource.newBuilder().setInlineString(lines))
        .build();
  }

  private static Optional<KeyMaterial.Values> values(SecretValuesIr ref, KeyRing keys) {
    return keys.values(ref.namespace(), ref.secretName(), ref.fingerprint());
  }
}
