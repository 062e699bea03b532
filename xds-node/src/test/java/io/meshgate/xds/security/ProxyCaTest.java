package io.meshgate.xds.security;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyCaTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final int URI = 6;
  private static final int DNS = 2;
  private static final int IP = 7;

  @TempDir Path dir;

  @Test
  void caCertificateIsASelfSignedP256CaForSigningCertificatesOnly() throws Exception {
    // when
    ProxyCa ca = ProxyCa.init(dir.resolve("ca"), CLOCK);

    // then
    X509Certificate cert = ca.certificate();
    cert.verify(cert.getPublicKey());
    assertThat(cert.getVersion()).isEqualTo(3);
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=meshgate proxy CA");
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
    assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(cert.getPublicKey().toString()).contains("secp256r1");
    assertThat(cert.getBasicConstraints()).isNotNegative();
    assertThat(cert.getCriticalExtensionOIDs())
        .contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
    // digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement,
    // keyCertSign, cRLSign, ...
    assertThat(cert.getKeyUsage()).startsWith(false, false, false, false, false, true, true, false);
    assertThat(cert.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
    assertThat(cert.getSerialNumber()).isPositive();
    assertThat(cert.getSerialNumber().bitLength()).isBetween(100, 128);
  }

  @Test
  void clientCertificateVerifiesAgainstTheCaAndNamesItsGroup() throws Exception {
    // given
    ProxyCa ca = ProxyCa.init(dir, Clock.systemUTC());

    // when
    IssuedCertificate issued = ca.issueClient("gateway/default/edge", Duration.ofHours(1));

    // then
    X509Certificate leaf = issued.leaf();
    validate(leaf, ca.certificate());
    assertThat(issued.chain()).containsExactly(leaf, ca.certificate());
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactly(List.of(URI, "spiffe://meshgate/group/gateway/default/edge"));
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=gateway/default/edge");
    assertThat(leaf.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    assertThat(leaf.getKeyUsage()).startsWith(true, false, false, false, false, false, false);
    assertThat(leaf.getCriticalExtensionOIDs()).contains(Extension.keyUsage.getId());
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(authorityKeyId(leaf)).isEqualTo(subjectKeyId(ca.certificate()));
    assertThat(leaf.getPublicKey()).isNotEqualTo(ca.certificate().getPublicKey());
    assertThat(ProxyCa.groupOf(leaf)).contains("gateway/default/edge");
  }

  @Test
  void everyCertificateHasItsOwnKeyAndSerial() throws Exception {
    ProxyCa ca = ProxyCa.init(dir, CLOCK);

    IssuedCertificate first = ca.issueClient("proxyless", Duration.ofHours(1));
    IssuedCertificate second = ca.issueClient("proxyless", Duration.ofHours(1));

    assertThat(first.leaf().getSerialNumber()).isNotEqualTo(second.leaf().getSerialNumber());
    assertThat(first.leaf().getPublicKey()).isNotEqualTo(second.leaf().getPublicKey());
  }

  @Test
  void serverCertificateCarriesItsDnsNamesAndAddressesAndServerAuth() throws Exception {
    // given
    ProxyCa ca = ProxyCa.init(dir, Clock.systemUTC());

    // when
    IssuedCertificate issued =
        ca.issueServer(
            List.of("xds.example.com", "localhost"),
            List.of("10.0.0.7", "::1"),
            Duration.ofDays(1));

    // then
    X509Certificate leaf = issued.leaf();
    validate(leaf, ca.certificate());
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(
            List.of(DNS, "xds.example.com"),
            List.of(DNS, "localhost"),
            List.of(IP, "10.0.0.7"),
            List.of(IP, "0:0:0:0:0:0:0:1"));
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=xds.example.com");
    assertThat(leaf.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
    assertThat(ProxyCa.groupOf(leaf)).isEmpty();
  }

  @Test
  void validityWindowStartsFiveMinutesAgoAndLastsTheTtl() throws Exception {
    // given a clock with a fraction of a second, which X.509 times cannot hold
    Clock clock = Clock.fixed(NOW.plusMillis(750), ZoneOffset.UTC);
    ProxyCa ca = ProxyCa.init(dir, clock);

    // when
    X509Certificate client = ca.issueClient("proxyless", Duration.ofHours(720)).leaf();
    X509Certificate server =
        ca.issueServer(List.of("xds"), List.of(), Duration.ofMinutes(30)).leaf();

    // then
    assertThat(client.getNotBefore().toInstant()).isEqualTo(Instant.parse("2026-03-01T11:55:00Z"));
    assertThat(client.getNotAfter().toInstant()).isEqualTo(Instant.parse("2026-03-31T12:00:00Z"));
    assertThat(server.getNotBefore().toInstant()).isEqualTo(Instant.parse("2026-03-01T11:55:00Z"));
    assertThat(server.getNotAfter().toInstant()).isEqualTo(Instant.parse("2026-03-01T12:30:00Z"));
    assertThat(ca.certificate().getNotBefore().toInstant())
        .isEqualTo(Instant.parse("2026-03-01T11:55:00Z"));
    assertThat(ca.certificate().getNotAfter().toInstant())
        .isEqualTo(Instant.parse("2036-03-01T12:00:00Z"));
  }

  @Test
  void certificateIsInvalidOutsideItsWindow() throws Exception {
    ProxyCa ca = ProxyCa.init(dir, CLOCK);
    X509Certificate leaf = ca.issueClient("proxyless", Duration.ofHours(1)).leaf();

    leaf.checkValidity(Date.from(NOW.minus(Duration.ofMinutes(5))));
    leaf.checkValidity(Date.from(NOW.plus(Duration.ofHours(1))));
    assertThatThrownBy(() -> leaf.checkValidity(Date.from(NOW.minusSeconds(301))))
        .isInstanceOf(CertificateNotYetValidException.class);
    assertThatThrownBy(() -> leaf.checkValidity(Date.from(NOW.plusSeconds(3601))))
        .isInstanceOf(CertificateExpiredException.class);
  }

  @Test
  void refusesTtlsThatAreNotPositiveOrOutliveTheCa() throws Exception {
    ProxyCa ca = ProxyCa.init(dir, CLOCK);

    assertThatThrownBy(() -> ca.issueClient("proxyless", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl: PT0S (expected: positive)");
    assertThatThrownBy(() -> ca.issueClient("proxyless", Duration.ofDays(3660)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not outlive its CA");
  }

  @Test
  void refusesBadGroupsNamesAndAddresses() throws Exception {
    ProxyCa ca = ProxyCa.init(dir, CLOCK);

    assertThatThrownBy(() -> ca.issueClient("/edge", Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group: '/edge'");
    assertThatThrownBy(
            () -> ca.issueServer(List.of("xds..example"), List.of(), Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dnsNames: 'xds..example'");
    assertThatThrownBy(() -> ca.issueServer(List.of(), List.of("10.0.0.300"), Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ipAddresses: '10.0.0.300'");
    assertThatThrownBy(() -> ca.issueServer(List.of(), List.of(), Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one");
  }

  @Test
  void keyFilesAreOwnerReadWriteOnly() throws Exception {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));

    // when
    ProxyCa ca = ProxyCa.init(dir.resolve("ca"), CLOCK);
    ca.issueClient("proxyless", Duration.ofHours(1)).writeTo(dir.resolve("proxy"));

    // then
    assertThat(mode(dir.resolve("ca/ca.key"))).isEqualTo("rw-------");
    assertThat(mode(dir.resolve("proxy/tls.key"))).isEqualTo("rw-------");
    assertThat(Files.readString(dir.resolve("ca/ca.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(Files.readString(dir.resolve("proxy/tls.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void initRefusesToOverwriteAndNamesTheFile() throws Exception {
    // given
    ProxyCa.init(dir, CLOCK);
    byte[] key = Files.readAllBytes(dir.resolve("ca.key"));
    byte[] cert = Files.readAllBytes(dir.resolve("ca.crt"));

    // when / then
    assertThatThrownBy(() -> ProxyCa.init(dir, CLOCK))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining(dir.resolve("ca.key").toString())
        .hasMessageContaining("refusing to overwrite");
    assertThat(Files.readAllBytes(dir.resolve("ca.key"))).isEqualTo(key);
    assertThat(Files.readAllBytes(dir.resolve("ca.crt"))).isEqualTo(cert);
  }

  @Test
  void initWritesNothingWhenOnlyTheCertificateExists() throws Exception {
    Files.writeString(dir.resolve("ca.crt"), "mine");

    assertThatThrownBy(() -> ProxyCa.init(dir, CLOCK))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining(dir.resolve("ca.crt").toString());
    assertThat(dir.resolve("ca.key")).doesNotExist();
    assertThat(dir.resolve("ca.crt")).hasContent("mine");
  }

  @Test
  void writeToRefusesToOverwriteAndWritesNothing() throws Exception {
    // given
    ProxyCa ca = ProxyCa.init(dir.resolve("ca"), CLOCK);
    Path out = dir.resolve("proxy");
    Files.createDirectories(out);
    Files.writeString(out.resolve("ca.crt"), "mine");

    // when / then
    assertThatThrownBy(() -> ca.issueClient("proxyless", Duration.ofHours(1)).writeTo(out))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining(out.resolve("ca.crt").toString());
    assertThat(out.resolve("tls.key")).doesNotExist();
    assertThat(out.resolve("tls.crt")).doesNotExist();
    assertThat(out.resolve("ca.crt")).hasContent("mine");
  }

  @Test
  void writtenFilesReadBackAsTheChainKeyAndCa() throws Exception {
    // given
    ProxyCa ca = ProxyCa.init(dir.resolve("ca"), CLOCK);
    IssuedCertificate issued = ca.issueClient("proxyless", Duration.ofHours(1));

    // when
    issued.writeTo(dir.resolve("proxy"));

    // then
    assertThat(ProxyCa.readCertificates(dir.resolve("proxy/tls.crt")))
        .containsExactly(issued.leaf(), ca.certificate());
    assertThat(ProxyCa.readCertificates(dir.resolve("proxy/ca.crt")))
        .containsExactly(ca.certificate());
    assertThat(ProxyCa.readPrivateKey(dir.resolve("proxy/tls.key"))).isEqualTo(issued.privateKey());
  }

  @Test
  void loadedCaIssuesCertificatesThatVerifyAgainstTheOriginalCaCertificate() throws Exception {
    // given
    X509Certificate original = ProxyCa.init(dir, Clock.systemUTC()).certificate();

    // when
    ProxyCa loaded = ProxyCa.load(dir);
    IssuedCertificate issued = loaded.issueClient("gateway/shop/edge", Duration.ofHours(1));

    // then
    assertThat(loaded.certificate()).isEqualTo(original);
    validate(issued.leaf(), original);
    assertThat(authorityKeyId(issued.leaf())).isEqualTo(subjectKeyId(original));
  }

  @Test
  void loadRefusesAKeyOfAnotherCa() throws Exception {
    ProxyCa.init(dir.resolve("a"), CLOCK);
    ProxyCa.init(dir.resolve("b"), CLOCK);
    Files.copy(dir.resolve("b/ca.crt"), dir.resolve("a/ca.crt"), REPLACE_EXISTING);

    assertThatThrownBy(() -> ProxyCa.load(dir.resolve("a")))
        .hasMessageContaining(dir.resolve("a/ca.key").toString())
        .hasMessageContaining("not the key of the certificate");
  }

  @Test
  void groupOfIgnoresForeignUris() throws Exception {
    ProxyCa ca = ProxyCa.init(dir, CLOCK);
    X509Certificate ours = ca.issueClient("proxyless", Duration.ofHours(1)).leaf();

    assertThat(ProxyCa.groupOf(ours)).contains("proxyless");
    assertThat(ProxyCa.groupOf(ca.certificate())).isEmpty();
  }

  @Test
  void toStringNeverShowsKeyMaterial() throws Exception {
    ProxyCa ca = ProxyCa.init(dir, CLOCK);
    IssuedCertificate issued = ca.issueClient("proxyless", Duration.ofHours(1));
    String encodedKey = Base64.getEncoder().encodeToString(issued.privateKey().getEncoded());

    assertThat(issued.toString())
        .startsWith("IssuedCertificate[subject=CN=proxyless")
        .doesNotContain(encodedKey.substring(0, 40))
        .doesNotContainIgnoringCase("private");
    assertThat(ca.toString()).startsWith("ProxyCa[subject=CN=meshgate proxy CA");
  }

  private static void validate(X509Certificate leaf, X509Certificate ca) throws Exception {
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
    parameters.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
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

  private static String mode(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }
}
