package io.meshgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {
  @TempDir Path dir;

  private static X509Certificate read(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Test
  void issuedCertificatesChainToTheCaAndNameTheirHosts() throws Exception {
    TestPki pki = TestPki.create(dir);

    TestPki.Issued server = pki.server("etcd", "127.0.0.1", "localhost");
    TestPki.Issued client = pki.client("meshgate-node");

    X509Certificate ca = read(pki.caCertificate());
    X509Certificate serverCertificate = read(server.certificate());
    serverCertificate.verify(ca.getPublicKey());
    read(client.certificate()).verify(ca.getPublicKey());
    assertThat(
            serverCertificate.getSubjectAlternativeNames().stream()
                .map(san -> String.valueOf(san.get(1)))
                .toList())
        .containsExactly("127.0.0.1", "localhost");
    assertThat(read(client.certificate()).getSubjectX500Principal().getName())
        .isEqualTo("CN=meshgate-node");
    assertThat(Files.readString(client.privateKey())).startsWith("-----BEGIN PRIVATE KEY-----");
  }
}
