package io.meshgate.meshbridge.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final int URI_NAME = 6;
  private static final int DNS_NAME = 2;
  private static final int IP_NAME = 7;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] SECRET =
      "a secret of at least thirty-two bytes".getBytes(StandardCharsets.US_ASCII);

  private final KeyPair rootKeys = KeyPairs.generate(RANDOM);
  private final CertificateAuthority root = root(rootKeys, Signing.RANDOMIZED);

  @Test
  void aLeafCarriesItsNamesAndPurposeIsNoCaAndChainsToTheRoot() throws Exception {
    // given
    KeyPair leafKeys = KeyPairs.generate(RANDOM);

    // when
    X509Certificate leaf =
        root.issue(
            request(
                leafKeys,
                Purpose.CLIENT_AND_SERVER,
                List.of(
                    new SubjectName.Uri(URI.create("spiffe://mesh.local/ns/shop/sa/web")),
                    new SubjectName.Dns("web.shop.svc"),
                    new SubjectName.Ip("10.0.0.7")),
                Signing.RANDOMIZED));

    // then
    leaf.verify(rootKeys.getPublic());
    assertThat(leaf.getIssuerX500Principal())
        .isEqualTo(root.certificate().getSubjectX500Principal());
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=web");
    assertThat(leaf.getPublicKey()).isEqualTo(leafKeys.getPublic());
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactly(
            List.of(URI_NAME, "spiffe://mesh.local/ns/shop/sa/web"),
            List.of(DNS_NAME, "web.shop.svc"),
            List.of(IP_NAME, "10.0.0.7"));
    assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getKeyUsage()).startsWith(true, false, false, false, false, false, false);
    assertThat(authorityKeyId(leaf)).isEqualTo(subjectKeyId(root.certificate()));
    assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW);
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(1)));
  }

  @Test
  void eachPurposeIsItsExtendedKeyUsage() throws Exception {
    List<SubjectName> names = List.of(new SubjectName.Dns("xds.example.com"));

    X509Certificate client =
        root.issue(request(KeyPairs.generate(RANDOM), Purpose.CLIENT, names, Signing.RANDOMIZED));
    X509Certificate server =
        root.issue(request(KeyPairs.generate(RANDOM), Purpose.SERVER, names, Signing.RANDOMIZED));

    assertThat(client.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    assertThat(server.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
  }

  @Test
  void aLeafMustNotOutliveItsCa() {
    Instant caNotAfter = root.certificate().getNotAfter().toInstant();
    LeafRequest tooLong =
        new LeafRequest(
            "web",
            List.of(new SubjectName.Dns("web")),
            Purpose.SERVER,
            KeyPairs.generate(RANDOM).getPublic(),
            NOW,
            caNotAfter.plusSeconds(1),
            BigInteger.TEN,
            Signing.RANDOMIZED);

    assertThatThrownBy(() -> root.issue(tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("notAfter: " + caNotAfter.plusSeconds(1))
        .hasMessageContaining("must not outlive its CA");
  }

  @Test
  void ofRefusesALeafCertificateAndAKeyThatIsNotTheCas() {
    KeyPair leafKeys = KeyPairs.generate(RANDOM);
    X509Certificate leaf =
        root.issue(
            request(
                leafKeys, Purpose.SERVER, List.of(new SubjectName.Dns("web")), Signing.RANDOMIZED));

    assertThatThrownBy(() -> CertificateAuthority.of(leaf, leafKeys.getPrivate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("certificate: CN=web (expected: a CA certificate)");
    assertThatThrownBy(
            () ->
                CertificateAuthority.of(root.certificate(), KeyPairs.generate(RANDOM).getPrivate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("privateKey: not the key of CN=test root");
    assertThat(CertificateAuthority.of(root.certificate(), rootKeys.getPrivate()).certificate())
        .isEqualTo(root.certificate());
  }

  @Test
  void deterministicSigningGivesTheSameBytesTwiceAndRandomizedDoesNot() throws Exception {
    // given two CAs of the same key and certificate
    CertificateAuthority deterministic = root(rootKeys, Signing.DETERMINISTIC);
    CertificateAuthority again =
        CertificateAuthority.of(deterministic.certificate(), rootKeys.getPrivate());
    KeyPair leafKeys = KeyPairs.generate(RANDOM);
    List<SubjectName> names = List.of(new SubjectName.Dns("web"));

    // when
    byte[] first =
        deterministic
            .issue(request(leafKeys, Purpose.SERVER, names, Signing.DETERMINISTIC))
            .getEncoded();
    byte[] second =
        again.issue(request(leafKeys, Purpose.SERVER, names, Signing.DETERMINISTIC)).getEncoded();
    byte[] randomized =
        again.issue(request(leafKeys, Purpose.SERVER, names, Signing.RANDOMIZED)).getEncoded();
    byte[] randomizedAgain =
        again.issue(request(leafKeys, Purpose.SERVER, names, Signing.RANDOMIZED)).getEncoded();

    // then
    assertThat(first).isEqualTo(second);
    assertThat(root(rootKeys, Signing.DETERMINISTIC).certificate().getEncoded())
        .as("a deterministic root too")
        .isEqualTo(deterministic.certificate().getEncoded());
    assertThat(randomized).isNotEqualTo(randomizedAgain);
  }

  @Test
  void derivedKeyPairsFollowTheSecretAndTheLabel() {
    KeyPair first = KeyPairs.derive(SECRET, "workload/web");
    KeyPair again = KeyPairs.derive(SECRET.clone(), "workload/web");
    KeyPair other = KeyPairs.derive(SECRET, "workload/api");

    assertThat(again.getPublic()).isEqualTo(first.getPublic());
    assertThat(again.getPrivate()).isEqualTo(first.getPrivate());
    assertThat(other.getPublic()).isNotEqualTo(first.getPublic());
    assertThat(first.getPublic().toString()).contains(KeyPairs.CURVE);
    assertThatThrownBy(() -> KeyPairs.derive(Arrays.copyOf(SECRET, 31), "workload/web"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret: 31 bytes (expected: at least 32)");
  }

  @Test
  void aDerivedKeySignsWhatItsPublicHalfVerifies() throws Exception {
    KeyPair derived = KeyPairs.derive(SECRET, "workload/web");

    X509Certificate leaf =
        root(derived, Signing.DETERMINISTIC)
            .issue(
                request(
                    KeyPairs.generate(RANDOM),
                    Purpose.CLIENT,
                    List.of(new SubjectName.Dns("web")),
                    Signing.DETERMINISTIC));

    leaf.verify(derived.getPublic());
  }

  @Test
  void theDerivationSecretDiffersByPurpose() {
    byte[] identities = root.derivationSecret("identities");

    assertThat(root.derivationSecret("identities")).isEqualTo(identities).hasSize(32);
    assertThat(root.derivationSecret("tokens")).isNotEqualTo(identities);
    assertThat(root(KeyPairs.generate(RANDOM), Signing.RANDOMIZED).derivationSecret("identities"))
        .isNotEqualTo(identities);
  }

  @Test
  void toStringNeverShowsTheKey() {
    assertThat(root.toString())
        .startsWith("CertificateAuthority[subject=CN=test root")
        .doesNotContainIgnoringCase("private");
  }

  private static CertificateAuthority root(KeyPair keys, Signing signing) {
    return CertificateAuthority.selfSigned(
        "test root",
        keys,
        NOW.minus(Duration.ofDays(1)),
        NOW.plus(Duration.ofDays(365)),
        BigInteger.valueOf(42),
        signing);
  }

  private static LeafRequest request(
      KeyPair keys, Purpose purpose, List<SubjectName> names, Signing signing) {
    return new LeafRequest(
        "web",
        names,
        purpose,
        keys.getPublic(),
        NOW,
        NOW.plus(Duration.ofHours(1)),
        BigInteger.valueOf(7),
        signing);
  }

  private static byte[] subjectKeyId(X509Certificate cert) {
    byte[] value = cert.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets())
        .getKeyIdentifier();
  }

  private static byte[] authorityKeyId(X509Certificate cert) {
    byte[] value = cert.getExtensionValue(Extension.authorityKeyIdentifier.getId());
    return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets())
        .getKeyIdentifierOctets();
  }
}
