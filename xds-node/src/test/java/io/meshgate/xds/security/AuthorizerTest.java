package io.meshgate.xds.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthorizerTest {
  private static final String TOKEN = "eyJhbGciOiJFUzI1NiJ9.secret-token.sig";
  private static final java.time.Instant UNTIL = java.time.Instant.parse("2026-12-06T12:00:30Z");
  private final TokenCheck tokens =
      (token, nodeId) ->
          token.equals(TOKEN)
              ? new TokenCheck.Result.Valid("gateway/default/edge", UNTIL)
              : new TokenCheck.Result.Invalid("bad signature");
  private final Authorizer strict = new Authorizer(tokens, false);

  private static PeerIdentity certificate(String group) {
    return new PeerIdentity(Optional.of(group), Optional.empty());
  }

  private static PeerIdentity token(String token) {
    return new PeerIdentity(Optional.empty(), Optional.of(token));
  }

  @Test
  void theCertificateDecidesTheGroup() {
    assertThat(strict.decide(certificate("gateway/default/edge"), "edge-1", ""))
        .isEqualTo(
            new Authorizer.Decision.Allowed(
                "gateway/default/edge",
                false,
                "client certificate for group gateway/default/edge",
                Optional.empty()));
  }

  @Test
  void metadataNamingAnotherGroupIsPermissionDeniedNamingTheCredential() {
    Authorizer.Decision decision =
        strict.decide(certificate("gateway/default/edge"), "edge-1", "gateway/default/admin");

    assertThat(decision).isInstanceOf(Authorizer.Decision.Denied.class);
    Status status = ((Authorizer.Decision.Denied) decision).status();
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription())
        .isEqualTo(
            "node edge-1 claims group gateway/default/admin but presented a client certificate for group gateway/default/edge");
  }

  @Test
  void aValidTokenGrantsItsGroup() {
    assertThat(strict.decide(token(TOKEN), "edge-1", "gateway/default/edge"))
        .isInstanceOf(Authorizer.Decision.Allowed.class);
  }

  @Test
  void aBadTokenIsUnauthenticatedAndTheRefusalNeverCarriesTheToken() {
    Authorizer.Decision decision = strict.decide(token("forged.token.value"), "edge-1", "");

    Status status = ((Authorizer.Decision.Denied) decision).status();
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription())
        .contains("bad signature")
        .doesNotContain("forged.token.value");
  }

  @Test
  void withoutCredentialsAStreamIsRefusedUnlessAnonymousStreamsAreAllowed() {
    Authorizer.Decision refused =
        strict.decide(PeerIdentity.NONE, "edge-1", "gateway/default/edge");
    Authorizer.Decision allowed =
        new Authorizer(tokens, true).decide(PeerIdentity.NONE, "edge-1", "gateway/default/edge");

    assertThat(((Authorizer.Decision.Denied) refused).status().getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(allowed)
        .isEqualTo(
            new Authorizer.Decision.Allowed(
                "gateway/default/edge", true, "anonymous", Optional.empty()));
  }

  @Test
  void thePeerIdentityNeverPrintsItsToken() {
    assertThat(token(TOKEN).toString()).doesNotContain(TOKEN).contains("present");
  }

  @Test
  void aTokenStreamIsAllowedUntilTheTokenStopsBeingValid() {
    Authorizer.Decision decision = strict.decide(token(TOKEN), "edge-1", "");

    assertThat(((Authorizer.Decision.Allowed) decision).validUntil()).contains(UNTIL);
  }

  @Test
  void aTokenSentInTheClearFromAnotherHostIsRefusedNeverServedAsAnonymous() throws Exception {
    // given: the interceptor's verdict on a token over plaintext from another host, and from here
    java.util.Optional<String> remote =
        ProxyAuthenticator.tokenRefusal(null, new java.net.InetSocketAddress("10.1.2.3", 40000));
    java.util.Optional<String> local =
        ProxyAuthenticator.tokenRefusal(
            null, new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40000));

    // when: even a replica that allows anonymous streams decides on it
    Authorizer.Decision decision =
        new Authorizer(tokens, true)
            .decide(PeerIdentity.refused(remote.orElseThrow()), "edge-1", "");

    // then
    assertThat(remote)
        .contains(
            "a proxy token sent without TLS from 10.1.2.3 is refused: it could be read on the way;"
                + " serve xDS with TLS");
    assertThat(local).isEmpty();
    assertThat(decision).isInstanceOf(Authorizer.Decision.Denied.class);
    Status status = ((Authorizer.Decision.Denied) decision).status();
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).startsWith("node edge-1: a proxy token sent without TLS");
  }
}
