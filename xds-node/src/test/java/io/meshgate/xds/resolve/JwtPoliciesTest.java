package io.meshgate.xds.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.resolve.JwtPolicies.Endpoint;
import org.junit.jupiter.api.Test;

/**
 * Where a JWT key set is fetched from: what config-store's {@code https://…} pattern lets through
 * but Envoy could not reach is refused here.
 */
class JwtPoliciesTest {
  @Test
  void httpsTakesPort443AndHttpPort80UnlessTheUrlSaysOtherwise() {
    assertThat(JwtPolicies.endpoint("https://Login.Example.com/.well-known/jwks.json"))
        .contains(new Endpoint("login.example.com", 443, true));
    assertThat(JwtPolicies.endpoint("http://keys.internal/jwks"))
        .contains(new Endpoint("keys.internal", 80, false));
    assertThat(JwtPolicies.endpoint("https://keys.example.com:8443/jwks?tenant=a"))
        .contains(new Endpoint("keys.example.com", 8443, true));
  }

  @Test
  void anIpv6LiteralLosesItsBrackets() {
    assertThat(JwtPolicies.endpoint("https://[2001:db8::1]:9443/jwks"))
        .contains(new Endpoint("2001:db8::1", 9443, true));
  }

  @Test
  void urlsWithoutAUsableHostOrPortAreRefused() {
    // given what the pattern ^https://\S+$ accepts
    // when / then
    assertThat(JwtPolicies.endpoint("https://keys_payments.example.net/jwks")).isEmpty();
    assertThat(JwtPolicies.endpoint("https://keys.example.com:70000/jwks")).isEmpty();
    assertThat(JwtPolicies.endpoint("https://keys.example.com:0/jwks")).isEmpty();
    assertThat(JwtPolicies.endpoint("https:///jwks")).isEmpty();
    assertThat(JwtPolicies.endpoint("https://[::1/jwks")).isEmpty();
    assertThat(JwtPolicies.endpoint("ftp://keys.example.com/jwks")).isEmpty();
    assertThat(JwtPolicies.endpoint("/jwks")).isEmpty();
  }

  @Test
  void aLocalKeySetMustBeAListOfKeysEachWithItsType() {
    assertThat(JwtPolicies.keySetProblem("{\"keys\": [{\"kty\": \"RSA\", \"n\": \"x\"}]}"))
        .isEmpty();
    assertThat(JwtPolicies.keySetProblem("{\"keys\": [")).contains("is not JSON");
    assertThat(JwtPolicies.keySetProblem("{\"kty\": \"EC\"}"))
        .get()
        .asString()
        .contains("not a JWKS");
    assertThat(JwtPolicies.keySetProblem("{\"keys\": []}")).get().asString().contains("not a JWKS");
    assertThat(JwtPolicies.keySetProblem("{\"keys\": [{\"kid\": \"a\"}]}"))
        .contains("has a key without kty (keys[0])");
  }
}
