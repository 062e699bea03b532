package io.meshgate.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateRequest;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateResponse;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateServiceGrpc;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The istiod CA double, called with a plain grpc-java client over TLS trusting its root. */
class IstiodCaDoubleTest {
  private static final String ID = "spiffe://cluster.local/ns/edge/sa/gateway";
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
  }

  @Test
  void issuesALeafForTheTokensIdentityChainedToTheRootOverTls() throws Exception {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder().clock(fixed()));
    istiod.token("t-gateway", "edge", "gateway");

    // when
    IstioCertificateResponse response = call(istiod, "t-gateway", csr(ID), 3600);

    // then
    assertThat(response.getCertChainList()).hasSize(2);
    X509Certificate leaf = certificate(response.getCertChain(0));
    X509Certificate root = certificate(response.getCertChain(1));
    assertThat(response.getCertChain(1)).isEqualTo(istiod.rootPem());
    leaf.verify(root.getPublicKey());
    root.verify(root.getPublicKey());
    assertThat(uris(leaf)).containsExactly(ID);
    assertThat(uris(root)).containsExactly("spiffe://cluster.local");
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW);
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plusSeconds(3600));
    assertThat(istiod.trustDomain()).isEqualTo("cluster.local");
    assertThat(istiod.requests()).isEqualTo(1);
  }

  @Test
  void aLongerValidityIsCappedAtTheMaxTtl() throws Exception {
    // given
    IstiodCaDouble istiod =
        started(IstiodCaDouble.builder().clock(fixed()).maxTtl(Duration.ofHours(2)));
    istiod.token("t", "edge", "gateway");

    // when
    IstioCertificateResponse response = call(istiod, "t", csr(ID), Duration.ofDays(10).toSeconds());

    // then
    assertThat(certificate(response.getCertChain(0)).getNotAfter().toInstant())
        .isEqualTo(NOW.plus(Duration.ofHours(2)));
  }

  @Test
  void anUnknownOrMissingTokenIsUnauthenticated() {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder());
    istiod.token("t", "edge", "gateway");

    // then
    assertThatThrownBy(() -> call(istiod, "not-registered", csr(ID), 3600))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> call(istiod, null, csr(ID), 3600))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  @Test
  void aCsrForAnotherIdentityIsPermissionDenied() {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder());
    istiod.token("t", "edge", "gateway");

    // then
    assertThatThrownBy(
            () -> call(istiod, "t", csr("spiffe://cluster.local/ns/edge/sa/admin"), 3600))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> call(istiod, "t", csr(ID, "spiffe://cluster.local/ns/x/sa/y"), 3600))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  @Test
  void aMalformedCsrIsInvalidArgument() {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder());
    istiod.token("t", "edge", "gateway");

    // then
    assertThatThrownBy(() -> call(istiod, "t", "not a CSR", 3600))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void aRotatedRootSignsFromNowAndBothAreListed() throws Exception {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder());
    istiod.token("t", "edge", "gateway");
    String oldRoot = istiod.rootPem();

    // when
    String newRoot = istiod.rotateRoot();
    IstioCertificateResponse response = call(istiod, "t", csr(ID), 3600);

    // then: the old root still anchors the serving certificate the client trusts
    assertThat(newRoot).isNotEqualTo(oldRoot);
    assertThat(istiod.rootPem()).isEqualTo(newRoot);
    assertThat(istiod.rootsPem()).containsExactly(oldRoot, newRoot);
    assertThat(response.getCertChain(1)).isEqualTo(newRoot);
    certificate(response.getCertChain(0)).verify(certificate(newRoot).getPublicKey());
  }

  @Test
  void failNextFailsThatManyCallsThenIssues() throws Exception {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder());
    istiod.token("t", "edge", "gateway");
    istiod.failNext(Status.UNAVAILABLE.withDescription("overloaded"), 2);

    // then
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> call(istiod, "t", csr(ID), 3600))
          .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(call(istiod, "t", csr(ID), 3600).getCertChainCount()).isEqualTo(2);
    assertThat(istiod.requests()).isEqualTo(3);
  }

  @Test
  void flawNextSpoilsThatManyAnswers() throws Exception {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder());
    istiod.token("t", "edge", "gateway");

    // when
    istiod.flawNext(IstiodCaDouble.Flaw.OTHER_ID, 1);
    IstioCertificateResponse otherId = call(istiod, "t", csr(ID), 3600);
    istiod.flawNext(IstiodCaDouble.Flaw.FOREIGN_ROOT, 1);
    IstioCertificateResponse foreignRoot = call(istiod, "t", csr(ID), 3600);
    istiod.flawNext(IstiodCaDouble.Flaw.LEAF_ONLY, 1);
    IstioCertificateResponse leafOnly = call(istiod, "t", csr(ID), 3600);
    IstioCertificateResponse sound = call(istiod, "t", csr(ID), 3600);

    // then
    assertThat(uris(certificate(otherId.getCertChain(0)))).containsExactly(ID + "-other");
    X509Certificate foreign = certificate(foreignRoot.getCertChain(1));
    assertThat(foreignRoot.getCertChain(1)).isNotIn(istiod.rootsPem());
    assertThatThrownBy(
            () -> certificate(foreignRoot.getCertChain(0)).verify(foreign.getPublicKey()))
        .isInstanceOf(java.security.SignatureException.class);
    assertThat(leafOnly.getCertChainList()).hasSize(1);
    assertThat(sound.getCertChainList()).hasSize(2);
    assertThat(uris(certificate(sound.getCertChain(0)))).containsExactly(ID);
  }

  @Test
  void stopRefusesConnectionsAndStartServesAgainOnTheSamePort() throws Exception {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder());
    istiod.token("t", "edge", "gateway");
    String address = istiod.address();

    // when
    istiod.stop();

    // then
    assertThatThrownBy(() -> call(istiod, "t", csr(ID), 3600))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAVAILABLE));
    istiod.start();
    assertThat(istiod.address()).isEqualTo(address);
    assertThat(call(istiod, "t", csr(ID), 3600).getCertChainCount()).isEqualTo(2);
  }

  @Test
  void itRecordsTheTokenAndClusterIdOfEveryCall() throws Exception {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder());
    istiod.token("t", "edge", "gateway");
    String csr = csr(ID);

    // when
    call(istiod, "t", csr, 600);

    // then
    IstiodCaDouble.Received received = istiod.received().get(0);
    assertThat(received.token()).contains("t");
    assertThat(received.clusterId()).contains("Kubernetes");
    assertThat(received.csrPem()).isEqualTo(csr);
    assertThat(received.validitySeconds()).isEqualTo(600);
    assertThat(received.toString()).doesNotContain("t,").contains("token redacted");
  }

  @Test
  void aPlaintextDoubleServesWithoutTls() throws Exception {
    // given
    IstiodCaDouble istiod = started(IstiodCaDouble.builder().plaintext(true));
    istiod.token("t", "edge", "gateway");
    ManagedChannel channel =
        Grpc.newChannelBuilder(istiod.address(), InsecureChannelCredentials.create()).build();
    try {
      // when
      IstioCertificateResponse response =
          IstioCertificateServiceGrpc.newBlockingStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("t")))
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .createCertificate(
                  IstioCertificateRequest.newBuilder()
                      .setCsr(csr(ID))
                      .setValidityDuration(60)
                      .build());

      // then
      assertThat(uris(certificate(response.getCertChain(0)))).containsExactly(ID);
    } finally {
      channel.shutdownNow();
    }
  }

  // ---- helpers

  private IstiodCaDouble started(IstiodCaDouble.Builder builder) {
    IstiodCaDouble istiod = builder.start();
    opened.add(istiod);
    return istiod;
  }

  private static Clock fixed() {
    return Clock.fixed(NOW, ZoneOffset.UTC);
  }

  private static IstioCertificateResponse call(
      IstiodCaDouble istiod, String token, String csr, long validitySeconds) throws Exception {
    ManagedChannel channel =
        Grpc.newChannelBuilder(
                istiod.address(),
                TlsChannelCredentials.newBuilder()
                    .trustManager(
                        new ByteArrayInputStream(istiod.rootsPem().get(0).getBytes(US_ASCII)))
                    .build())
            .build();
    try {
      return IstioCertificateServiceGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(token)))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .createCertificate(
              IstioCertificateRequest.newBuilder()
                  .setCsr(csr)
                  .setValidityDuration(validitySeconds)
                  .build());
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Metadata headers(String token) {
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    }
    headers.put(Metadata.Key.of("ClusterID", Metadata.ASCII_STRING_MARSHALLER), "Kubernetes");
    return headers;
  }

  private static Status.Code code(Throwable e) {
    assertThat(e).isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) e).getStatus().getCode();
  }

  private static String csr(String... uris) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    GeneralName[] names = new GeneralName[uris.length];
    for (int i = 0; i < uris.length; i++) {
      names[i] = new GeneralName(GeneralName.uniformResourceIdentifier, uris[i]);
    }
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(names));
    byte[] der =
        new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), keys.getPublic())
            .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
            .getEncoded();
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  private static X509Certificate certificate(String pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(US_ASCII)));
  }

  private static List<String> uris(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream()
        .filter(name -> Integer.valueOf(6).equals(name.get(0)))
        .map(name -> (String) name.get(1))
        .toList();
  }
}
