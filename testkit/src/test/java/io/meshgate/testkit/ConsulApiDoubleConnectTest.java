package io.meshgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import io.meshgate.testkit.HashicorpApiClient.Answer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Connect CA, intentions and Connect health of {@link ConsulApiDouble}, over HTTP. */
class ConsulApiDoubleConnectTest {
  private static final String CLUSTER_ID = "0f3c9a52-6b1e-4d7a-9c2e-1a2b3c4d5e6f";
  private static final Instant NOW = Instant.parse("2031-04-05T06:07:08Z");
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final HashicorpApiClient client = new HashicorpApiClient("X-Consul-Index");
  private final List<ConsulApiDouble> started = new ArrayList<>();

  @AfterEach
  void stopDoubles() {
    started.forEach(ConsulApiDouble::close);
  }

  // ---- roots ----------------------------------------------------------------------------------

  @Test
  void rootsAnswerConsulsShapeWithASelfSignedP256CaForTheTrustDomain() throws Exception {
    // given
    ConsulApiDouble consul = track(fixedDouble().start());

    // when
    Answer answer = get(consul, "/v1/agent/connect/ca/roots");

    // then
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    JsonNode body = answer.body();
    assertThat(body.get("TrustDomain").asText()).isEqualTo(CLUSTER_ID + ".consul");
    assertThat(consul.connectTrustDomain()).isEqualTo(CLUSTER_ID + ".consul");
    assertThat(body.get("Roots")).hasSize(1);
    JsonNode root = body.at("/Roots/0");
    X509Certificate cert = certificate(root.get("RootCert").asText());
    assertThat(root.get("ID").asText())
        .isEqualTo(colonHex(MessageDigest.getInstance("SHA-1").digest(cert.getEncoded())))
        .isEqualTo(body.get("ActiveRootID").asText());
    assertThat(root.get("Name").asText()).isEqualTo("Consul CA Primary Cert");
    assertThat(root.get("SerialNumber").isIntegralNumber()).isTrue();
    assertThat(root.get("SerialNumber").bigIntegerValue()).isEqualTo(cert.getSerialNumber());
    assertThat(root.get("SigningKeyID").asText()).isEqualTo(colonHex(subjectKeyId(cert)));
    assertThat(root.get("ExternalTrustDomain").asText()).isEqualTo(CLUSTER_ID);
    assertThat(root.get("NotBefore").asText())
        .isEqualTo(cert.getNotBefore().toInstant().toString());
    assertThat(root.get("NotAfter").asText()).isEqualTo(cert.getNotAfter().toInstant().toString());
    assertThat(Instant.parse(root.get("NotBefore").asText())).isEqualTo(NOW.minusSeconds(60));
    assertThat(root.get("IntermediateCerts").isNull()).isTrue();
    assertThat(root.get("Active").asBoolean()).isTrue();
    assertThat(root.get("PrivateKeyType").asText()).isEqualTo("ec");
    assertThat(root.get("PrivateKeyBits").asInt()).isEqualTo(256);
    assertThat(answer.index()).isEqualTo(root.get("ModifyIndex").asLong()).isGreaterThan(0);
    assertThat(root.get("CreateIndex").asLong()).isEqualTo(root.get("ModifyIndex").asLong());

    // and the certificate is a self-signed P-256 CA for spiffe://<trust-domain>
    cert.verify(cert.getPublicKey());
    assertThat(cert.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    boolean[] usage = cert.getKeyUsage();
    assertThat(usage[5]).as("keyCertSign").isTrue();
    assertThat(usage[6]).as("cRLSign").isTrue();
    assertThat(uriSans(cert)).containsExactly("spiffe://" + CLUSTER_ID + ".consul");
    assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize())
        .isEqualTo(256);
    assertThat(consul.activeRootPem()).isEqualTo(root.get("RootCert").asText());
    assertThat(consul.connectRootsPem()).containsExactly(consul.activeRootPem());
  }

  @Test
  void aRandomClusterIdIsAUuidAndDiffersBetweenDoubles() {
    ConsulApiDouble one = track(ConsulApiDouble.create());
    ConsulApiDouble two = track(ConsulApiDouble.create());

    assertThat(one.connectClusterId())
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(one.connectClusterId()).isNotEqualTo(two.connectClusterId());
    assertThat(one.connectTrustDomain()).isEqualTo(one.connectClusterId() + ".consul");
    assertThatThrownBy(() -> ConsulApiDouble.builder().connectClusterId("not-a-uuid"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBlockingRootsQueryWakesOnRotationAndListsTheOldRootInactive() throws Exception {
    // given
    ConsulApiDouble consul = track(fixedDouble().start());
    Answer before = get(consul, "/v1/agent/connect/ca/roots");
    String oldId = before.body().get("ActiveRootID").asText();
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/agent/connect/ca/roots?index=" + before.index() + "&wait=30s");
    assertHolds(blocked);

    // when a leaf is renewed, the roots do not change and the query still holds
    consul.renewLeaf("web");
    assertHolds(blocked);

    // when
    consul.rotateConnectCa();

    // then
    Answer after = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(after.index()).isGreaterThan(before.index());
    JsonNode body = after.body();
    assertThat(body.get("Roots")).hasSize(2);
    assertThat(body.at("/Roots/0/ID").asText()).isEqualTo(oldId);
    assertThat(body.at("/Roots/0/Active").asBoolean()).isFalse();
    assertThat(body.at("/Roots/0/ModifyIndex").asLong()).isEqualTo(after.index());
    assertThat(body.at("/Roots/1/Active").asBoolean()).isTrue();
    assertThat(body.get("ActiveRootID").asText())
        .isEqualTo(body.at("/Roots/1/ID").asText())
        .isNotEqualTo(oldId);
    assertThat(body.at("/Roots/1/RootCert").asText()).isEqualTo(consul.activeRootPem());
    assertThat(consul.connectRootsPem())
        .containsExactly(body.at("/Roots/0/RootCert").asText(), consul.activeRootPem());
  }

  // ---- leaves ---------------------------------------------------------------------------------

  @Test
  void aLeafIsSignedByTheActiveRootForTheServicesSpiffeIdWithItsOwnKey() throws Exception {
    // given
    ConsulApiDouble consul = track(fixedDouble().leafTtl(Duration.ofHours(10)).start());

    // when
    Answer answer = get(consul, "/v1/agent/connect/ca/leaf/web?token=");

    // then the JSON describes the certificate
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    JsonNode leaf = answer.body();
    String uri = "spiffe://" + CLUSTER_ID + ".consul/ns/default/dc/dc1/svc/web";
    assertThat(leaf.get("Service").asText()).isEqualTo("web");
    assertThat(leaf.get("ServiceURI").asText()).isEqualTo(uri);
    assertThat(consul.leafServiceUri("web")).isEqualTo(uri);
    X509Certificate cert = certificate(leaf.get("CertPEM").asText());
    assertThat(leaf.get("SerialNumber").asText())
        .matches("[0-9a-f]{2}(:[0-9a-f]{2})*")
        .isEqualTo(colonHex(stripSign(cert.getSerialNumber().toByteArray())));
    assertThat(uriSans(cert)).containsExactly(uri);
    assertThat(cert.getExtendedKeyUsage()).contains(SERVER_AUTH, CLIENT_AUTH);
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);

    // and its validity follows the clock and the TTL
    assertThat(cert.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(1)));
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(10)));
    assertThat(leaf.get("ValidAfter").asText()).isEqualTo("2031-04-05T06:06:08Z");
    assertThat(leaf.get("ValidBefore").asText()).isEqualTo("2031-04-05T16:07:08Z");

    // and it chains to the active root and not to a stranger
    X509Certificate root = certificate(consul.activeRootPem());
    cert.verify(root.getPublicKey());
    assertThat(cert.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
    X509Certificate stranger = certificate(track(ConsulApiDouble.create()).activeRootPem());
    assertThatThrownBy(() -> cert.verify(stranger.getPublicKey()))
        .isInstanceOf(SignatureException.class);

    // and the key it comes with, SEC1 as Consul hands it out, is the certificate's
    String keyPem = leaf.get("PrivateKeyPEM").asText();
    assertThat(keyPem).startsWith("-----BEGIN EC PRIVATE KEY-----");
    assertPair(privateKey(keyPem), cert.getPublicKey());

    // and its indexes are the answer's
    assertThat(answer.index()).isEqualTo(leaf.get("ModifyIndex").asLong());
    assertThat(leaf.get("CreateIndex").asLong()).isEqualTo(leaf.get("ModifyIndex").asLong());
  }

  @Test
  void theSameLeafIsAnsweredUntilItChanges() {
    // given
    ConsulApiDouble consul = track(fixedDouble().start());
    Answer first = get(consul, "/v1/agent/connect/ca/leaf/web");

    // when
    consul.register("dc1", Instance.of("web", "web-1", "n1", "10.0.0.1", 80));
    consul.intention("*", "web", false);
    Answer second = get(consul, "/v1/agent/connect/ca/leaf/web");

    // then
    assertThat(second.index()).isEqualTo(first.index());
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(get(consul, "/v1/agent/connect/ca/leaf/db").body().get("SerialNumber").asText())
        .isNotEqualTo(first.body().get("SerialNumber").asText());
  }

  @Test
  void aBlockingLeafQueryWakesOnRotationWithANewKeySignedByTheNewRoot() throws Exception {
    // given
    ConsulApiDouble consul = track(fixedDouble().start());
    Answer before = get(consul, "/v1/agent/connect/ca/leaf/web");
    X509Certificate oldRoot = certificate(consul.activeRootPem());
    X509Certificate oldLeaf = certificate(before.body().get("CertPEM").asText());
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/agent/connect/ca/leaf/web?index=" + before.index() + "&wait=30s");
    assertHolds(blocked);

    // when another service's leaf is renewed, this one's query still holds
    consul.renewLeaf("db");
    assertHolds(blocked);

    // when
    consul.rotateConnectCa();

    // then
    Answer after = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(after.index()).isGreaterThan(before.index());
    JsonNode leaf = after.body();
    assertThat(leaf.get("ModifyIndex").asLong()).isEqualTo(after.index());
    assertThat(leaf.get("CreateIndex").asLong())
        .isEqualTo(before.body().get("CreateIndex").asLong());
    assertThat(leaf.get("SerialNumber").asText())
        .isNotEqualTo(before.body().get("SerialNumber").asText());
    X509Certificate newLeaf = certificate(leaf.get("CertPEM").asText());
    assertThat(newLeaf.getPublicKey()).isNotEqualTo(oldLeaf.getPublicKey());
    assertThat(leaf.get("PrivateKeyPEM").asText())
        .isNotEqualTo(before.body().get("PrivateKeyPEM").asText());
    X509Certificate newRoot = certificate(consul.activeRootPem());
    newLeaf.verify(newRoot.getPublicKey());
    assertThatThrownBy(() -> newLeaf.verify(oldRoot.getPublicKey()))
        .isInstanceOf(SignatureException.class);
    assertPair(privateKey(leaf.get("PrivateKeyPEM").asText()), newLeaf.getPublicKey());

    // and the roots list both, the old one still verifying the old leaf
    List<String> roots = consul.connectRootsPem();
    assertThat(roots).hasSize(2);
    oldLeaf.verify(certificate(roots.get(0)).getPublicKey());
    assertThat(get(consul, "/v1/agent/connect/ca/roots").body().get("Roots")).hasSize(2);
  }

  @Test
  void renewLeafGivesANewKeyAndSerialFromTheSameRootAndWakesTheLeafQuery() throws Exception {
    // given
    ConsulApiDouble consul = track(fixedDouble().start());
    Answer before = get(consul, "/v1/agent/connect/ca/leaf/web");
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/agent/connect/ca/leaf/web?index=" + before.index() + "&wait=30s");
    assertHolds(blocked);

    // when
    consul.renewLeaf("web");

    // then
    Answer after = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(after.index()).isGreaterThan(before.index());
    assertThat(after.body().get("SerialNumber").asText())
        .isNotEqualTo(before.body().get("SerialNumber").asText());
    X509Certificate renewed = certificate(after.body().get("CertPEM").asText());
    assertThat(renewed.getPublicKey())
        .isNotEqualTo(certificate(before.body().get("CertPEM").asText()).getPublicKey());
    renewed.verify(certificate(consul.activeRootPem()).getPublicKey());
    assertThat(consul.connectRootsPem()).hasSize(1);
  }

  // ---- ACLs -----------------------------------------------------------------------------------

  @Test
  void withAclsLeavesAuthorizeAndIntentionsNeedAKnownTokenAndRootsRefuseAnUnknownOne() {
    // given
    ConsulApiDouble consul = track(fixedDouble().aclTokens("secret").start());

    // when / then: leaf
    Answer anonymous = get(consul, "/v1/agent/connect/ca/leaf/web");
    assertThat(anonymous.status()).isEqualTo(403);
    assertThat(anonymous.text()).isEqualTo("Permission denied");
    Answer unknown = get(consul, "/v1/agent/connect/ca/leaf/web?token=guess");
    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.text()).isEqualTo("ACL not found");
    assertThat(
            send(HttpRequest.newBuilder(
                        URI.create(consul.address() + "/v1/agent/connect/ca/leaf/web"))
                    .header("X-Consul-Token", "secret"))
                .status())
        .isEqualTo(200);
    assertThat(
            send(HttpRequest.newBuilder(
                        URI.create(consul.address() + "/v1/agent/connect/ca/leaf/web"))
                    .header("Authorization", "Bearer secret"))
                .status())
        .isEqualTo(200);

    // authorize and intentions
    String body = authorizeBody("api", consul.leafServiceUri("web"));
    assertThat(authorize(consul, body, null).status()).isEqualTo(403);
    assertThat(authorize(consul, body, "guess").text()).isEqualTo("ACL not found");
    assertThat(authorize(consul, body, "secret").status()).isEqualTo(200);
    String match = "/v1/connect/intentions/match?by=destination&name=api";
    assertThat(get(consul, match).text()).isEqualTo("Permission denied");
    assertThat(get(consul, match + "&token=guess").text()).isEqualTo("ACL not found");
    assertThat(get(consul, match + "&token=secret").status()).isEqualTo(200);

    // roots are public, but an unknown token fails to resolve
    assertThat(get(consul, "/v1/agent/connect/ca/roots").status()).isEqualTo(200);
    assertThat(get(consul, "/v1/agent/connect/ca/roots?token=guess").status()).isEqualTo(403);
  }

  // ---- authorize and intentions ---------------------------------------------------------------

  @Test
  void authorizeUsesTheExactIntentionOverTheWildcardAndAllowsByDefault() {
    // given
    ConsulApiDouble consul = track(fixedDouble().start());
    consul.intention("*", "api", false);
    consul.intention("web", "api", true);

    // when / then
    JsonNode web =
        authorize(consul, authorizeBody("api", consul.leafServiceUri("web")), null).body();
    assertThat(web.get("Authorized").asBoolean()).isTrue();
    assertThat(web.get("Reason").asText()).isEqualTo("Matched intention web => api (allow)");

    JsonNode other =
        authorize(consul, authorizeBody("api", consul.leafServiceUri("batch")), null).body();
    assertThat(other.get("Authorized").asBoolean()).isFalse();
    assertThat(other.get("Reason").asText()).isEqualTo("Matched intention * => api (deny)");

    JsonNode unmatched =
        authorize(consul, authorizeBody("db", consul.leafServiceUri("web")), null).body();
    assertThat(unmatched.get("Authorized").asBoolean()).isTrue();
    assertThat(unmatched.get("Reason").asText()).isEqualTo("No intention matched: default allow");

    // when the exact intention goes, the wildcard decides
    consul.removeIntention("web", "api");
    JsonNode removed =
        authorize(consul, authorizeBody("api", consul.leafServiceUri("web")), null).body();
    assertThat(removed.get("Authorized").asBoolean()).isFalse();

    // when an exact intention denies while the wildcard allows
    consul.intention("*", "api", true);
    consul.intention("web", "api", false);
    assertThat(
            authorize(consul, authorizeBody("api", consul.leafServiceUri("web")), null)
                .body()
                .get("Authorized")
                .asBoolean())
        .isFalse();
    assertThat(
            authorize(consul, authorizeBody("api", consul.leafServiceUri("batch")), null)
                .body()
                .get("Authorized")
                .asBoolean())
        .isTrue();
  }

  @Test
  void authorizeRefusesAUriThatIsNoServiceIdentityAndDeniesAnotherTrustDomain() {
    ConsulApiDouble consul = track(fixedDouble().start());

    Answer agentUri =
        authorize(
            consul,
            authorizeBody("api", "spiffe://" + CLUSTER_ID + ".consul/agent/client/dc/dc1/id/x"),
            null);
    assertThat(agentUri.status()).isEqualTo(400);
    assertThat(authorize(consul, authorizeBody("api", "web"), null).status()).isEqualTo(400);
    assertThat(authorize(consul, authorizeBody("", consul.leafServiceUri("web")), null).status())
        .isEqualTo(400);
    assertThat(authorize(consul, "{not json", null).status()).isEqualTo(400);

    JsonNode foreign =
        authorize(
                consul,
                authorizeBody(
                    "api",
                    "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web"),
                null)
            .body();
    assertThat(foreign.get("Authorized").asBoolean()).isFalse();

    Answer wrongMethod = get(consul, "/v1/agent/connect/authorize");
    assertThat(wrongMethod.status()).isEqualTo(405);
  }

  @Test
  void intentionsMatchListsByPrecedenceAndABlockingQueryWakesOnAChange() {
    // given
    ConsulApiDouble consul = track(fixedDouble().start());
    consul.intention("*", "api", false);
    consul.intention("web", "api", true);
    consul.intention("web", "db", true);

    // when
    Answer answer = get(consul, "/v1/connect/intentions/match?by=destination&name=api");

    // then
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    JsonNode api = answer.body().get("api");
    assertThat(api).hasSize(2);
    assertThat(api.at("/0/SourceName").asText()).isEqualTo("web");
    assertThat(api.at("/0/DestinationName").asText()).isEqualTo("api");
    assertThat(api.at("/0/Action").asText()).isEqualTo("allow");
    assertThat(api.at("/0/Precedence").asInt()).isEqualTo(9);
    assertThat(api.at("/0/SourceNS").asText()).isEqualTo("default");
    assertThat(api.at("/0/DestinationNS").asText()).isEqualTo("default");
    assertThat(api.at("/0/ID").asText()).matches("[0-9a-f-]{36}");
    assertThat(api.at("/1/SourceName").asText()).isEqualTo("*");
    assertThat(api.at("/1/Action").asText()).isEqualTo("deny");
    assertThat(api.at("/1/Precedence").asInt()).isEqualTo(8);
    assertThat(api.at("/0/ID").asText()).isNotEqualTo(api.at("/1/ID").asText());
    assertThat(answer.index()).isEqualTo(api.at("/0/ModifyIndex").asLong() + 1);

    JsonNode bySource =
        get(consul, "/v1/connect/intentions/match?by=source&name=web").body().get("web");
    assertThat(bySource).hasSize(3);
    assertThat(bySource.at("/2/SourceName").asText()).isEqualTo("*");
    assertThat(
            get(consul, "/v1/connect/intentions/match?by=destination&name=none").body().get("none"))
        .isEmpty();
    assertThat(get(consul, "/v1/connect/intentions/match?name=api").status()).isEqualTo(400);
    assertThat(get(consul, "/v1/connect/intentions/match?by=destination").status()).isEqualTo(400);

    // when a query blocks and the wildcard turns to allow
    String id = api.at("/1/ID").asText();
    CompletableFuture<Answer> blocked =
        getAsync(
            consul,
            "/v1/connect/intentions/match?by=destination&name=api&index="
                + answer.index()
                + "&wait=30s");
    assertHolds(blocked);
    consul.intention("*", "api", true);

    // then it wakes; the intention kept its ID
    Answer after = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(after.index()).isGreaterThan(answer.index());
    assertThat(after.body().at("/api/1/Action").asText()).isEqualTo("allow");
    assertThat(after.body().at("/api/1/ID").asText()).isEqualTo(id);
    assertThatThrownBy(() -> consul.removeIntention("nobody", "api"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- Connect health -------------------------------------------------------------------------

  @Test
  void healthConnectListsNativeInstancesAndProxiesButNotPlainOnes() {
    // given: a plain and a native instance of api, and a sidecar for it, over HTTP
    ConsulApiDouble consul = track(fixedDouble().start());
    assertThat(register(consul, "{\"Name\":\"api\",\"ID\":\"api-plain\",\"Port\":8080}"))
        .isEqualTo(200);
    assertThat(
            register(
                consul,
                "{\"Name\":\"api\",\"ID\":\"api-native\",\"Port\":8443,"
                    + "\"Connect\":{\"Native\":true}}"))
        .isEqualTo(200);
    assertThat(
            register(
                consul,
                "{\"Name\":\"api-sidecar-proxy\",\"ID\":\"api-proxy\",\"Kind\":\"connect-proxy\","
                    + "\"Address\":\"10.0.0.9\",\"Port\":21000,"
                    + "\"Proxy\":{\"DestinationServiceName\":\"api\"}}"))
        .isEqualTo(200);
    // and a second sidecar on another node, through the lever
    consul.register(
        "dc1",
        Instance.of("api-sidecar-proxy", "api-proxy-2", "node-b", "10.0.0.2", 21001)
            .asProxyFor("api"));

    // when / then
    Answer connect = get(consul, "/v1/health/connect/api");
    assertThat(ids(connect)).containsExactly("api-native", "api-proxy", "api-proxy-2");
    JsonNode proxy = connect.body().get(1);
    assertThat(proxy.at("/Service/Service").asText()).isEqualTo("api-sidecar-proxy");
    assertThat(proxy.at("/Service/Kind").asText()).isEqualTo("connect-proxy");
    assertThat(proxy.at("/Service/Proxy/DestinationServiceName").asText()).isEqualTo("api");
    assertThat(proxy.at("/Service/Address").asText()).isEqualTo("10.0.0.9");
    assertThat(proxy.at("/Service/Port").asInt()).isEqualTo(21000);
    assertThat(connect.body().get(0).at("/Service/Connect/Native").asBoolean()).isTrue();
    assertThat(ids(get(consul, "/v1/health/service/api")))
        .containsExactly("api-native", "api-plain");
    assertThat(ids(get(consul, "/v1/health/service/api-sidecar-proxy")))
        .containsExactly("api-proxy", "api-proxy-2");
    assertThat(ids(get(consul, "/v1/health/connect/api-sidecar-proxy"))).isEmpty();
    assertThat(ids(get(consul, "/v1/health/connect/api?passing"))).hasSize(3);
  }

  @Test
  void aBlockingConnectHealthQueryWakesWhenAProxyChangesNotWhenAPlainInstanceDoes() {
    // given
    ConsulApiDouble consul = track(fixedDouble().start());
    consul.register(
        "dc1", Instance.of("api-sidecar-proxy", "p1", "n1", "10.0.0.1", 21000).asProxyFor("api"));
    Answer before = get(consul, "/v1/health/connect/api");
    CompletableFuture<Answer> blocked =
        getAsync(consul, "/v1/health/connect/api?index=" + before.index() + "&wait=30s");
    assertHolds(blocked);

    // when a plain instance of api registers, the Connect set does not change
    assertThat(register(consul, "{\"Name\":\"api\",\"ID\":\"api-plain\",\"Port\":8080}"))
        .isEqualTo(200);
    assertHolds(blocked);

    // when the proxy goes critical
    consul.setCheckStatus("dc1", "p1", ConsulApiDouble.CheckStatus.CRITICAL);

    // then
    Answer after = blocked.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(after.index()).isGreaterThan(before.index());
    assertThat(after.body().at("/0/Checks/1/Status").asText()).isEqualTo("critical");
    assertThat(ids(get(consul, "/v1/health/connect/api?passing"))).isEmpty();
  }

  @Test
  void registeringAProxyWithoutDestinationOrAnUnmodelledKindIsRefused() {
    ConsulApiDouble consul = track(fixedDouble().start());

    assertThat(register(consul, "{\"Name\":\"p\",\"Kind\":\"connect-proxy\",\"Port\":1}"))
        .isEqualTo(400);
    assertThat(register(consul, "{\"Name\":\"g\",\"Kind\":\"mesh-gateway\",\"Port\":1}"))
        .isEqualTo(400);
    assertThat(register(consul, "{\"Name\":\"a\",\"Connect\":{\"Native\":\"yes\"}}"))
        .isEqualTo(400);
    assertThat(register(consul, "{\"Name\":\"a\",\"Connect\":{\"SidecarService\":{}}}"))
        .isEqualTo(400);
    assertThat(ids(get(consul, "/v1/health/service/p"))).isEmpty();
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static ConsulApiDouble.Builder fixedDouble() {
    return ConsulApiDouble.builder()
        .connectClusterId(CLUSTER_ID)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private ConsulApiDouble track(ConsulApiDouble consul) {
    started.add(consul);
    return consul;
  }

  private Answer get(ConsulApiDouble consul, String pathAndQuery) {
    return client.get(consul.address(), pathAndQuery);
  }

  private CompletableFuture<Answer> getAsync(ConsulApiDouble consul, String pathAndQuery) {
    return client.getAsync(consul.address(), pathAndQuery);
  }

  private Answer send(HttpRequest.Builder request) {
    return client.send(request);
  }

  private int register(ConsulApiDouble consul, String body) {
    return client.put(consul.address(), "/v1/agent/service/register", body).status();
  }

  private Answer authorize(ConsulApiDouble consul, String body, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(consul.address() + "/v1/agent/connect/authorize"))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("X-Consul-Token", token);
    }
    return send(request);
  }

  private static String authorizeBody(String target, String clientUri) {
    return "{\"Target\":\""
        + target
        + "\",\"ClientCertURI\":\""
        + clientUri
        + "\",\"ClientCertSerial\":\"01:02\"}";
  }

  private static void assertHolds(CompletableFuture<Answer> query) {
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !query.isDone());
  }

  private static List<String> ids(Answer answer) {
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    answer.body().forEach(entry -> ids.add(entry.at("/Service/ID").asText()));
    return ids;
  }

  private static X509Certificate certificate(String pem) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new AssertionError("not a certificate: " + pem, e);
    }
  }

  private static PrivateKey privateKey(String pem) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object parsed = parser.readObject();
      assertThat(parsed).as("SEC1 EC key pair").isInstanceOf(PEMKeyPair.class);
      return new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) parsed).getPrivate();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Signs with the private key and verifies with the public one. */
  private static void assertPair(PrivateKey key, PublicKey publicKey) throws Exception {
    byte[] data = "meshgate".getBytes(StandardCharsets.UTF_8);
    java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(data);
    byte[] signature = signer.sign();
    java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(publicKey);
    verifier.update(data);
    assertThat(verifier.verify(signature)).as("key matches the certificate").isTrue();
  }

  private static List<String> uriSans(X509Certificate cert) throws Exception {
    List<String> uris = new ArrayList<>();
    Collection<List<?>> sans = cert.getSubjectAlternativeNames();
    for (List<?> san : sans) {
      if (((Integer) san.get(0)) == 6) {
        uris.add((String) san.get(1));
      }
    }
    return uris;
  }

  private static byte[] subjectKeyId(X509Certificate cert) {
    byte[] extension = cert.getExtensionValue("2.5.29.14");
    return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets())
        .getKeyIdentifier();
  }

  private static byte[] stripSign(byte[] bytes) {
    if (bytes.length > 1 && bytes[0] == 0) {
      byte[] trimmed = new byte[bytes.length - 1];
      System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
      return trimmed;
    }
    return bytes;
  }

  private static String colonHex(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(out.length() == 0 ? "" : ":").append(String.format("%02x", b & 0xff));
    }
    return out.toString();
  }
}
