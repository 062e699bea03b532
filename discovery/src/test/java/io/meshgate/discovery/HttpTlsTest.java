package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpTlsTest {
  @TempDir Path dir;

  @Test
  void aCaAndAClientCertificateFromPemFilesMakeAContext() throws Exception {
    TestPki pki = TestPki.create(dir);
    TestPki.Issued client = pki.client("meshgate");

    assertThat(
            HttpTls.context(
                Optional.of(pki.caCertificate()),
                Optional.of(client.certificate()),
                Optional.of(client.privateKey())))
        .isNotNull();
  }

  @Test
  void aKeyFileWithoutAKeyIsNamed() throws Exception {
    TestPki pki = TestPki.create(dir);
    TestPki.Issued client = pki.client("meshgate");
    Path notAKey = Files.copy(client.certificate(), dir.resolve("client.key"));

    assertThatThrownBy(
            () ->
                HttpTls.context(
                    Optional.empty(), Optional.of(client.certificate()), Optional.of(notAKey)))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessage(notAKey + ": a PEM 'CERTIFICATE' block (expected: PEM BEGIN PRIVATE KEY)");
  }
}
