package io.meshgate.config.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdConnectionTest {
  @TempDir Path dir;

  @Test
  void aClientCertificateWithoutItsKeyIsRefusedBeforeConnecting() {
    assertThatThrownBy(
            () ->
                new EtcdConnection(
                    EtcdConnection.parse("https://10.0.0.1:2379"),
                    Optional.empty(),
                    Optional.of(dir.resolve("client.crt")),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("client.crt without a private key")
        .hasMessageContaining("MESHGATE_ETCD_KEY");
  }

  @Test
  void aCaWithHttpEndpointsIsRefused() {
    assertThatThrownBy(
            () -> EtcdConnection.plaintext("http://10.0.0.1:2379").withCa(dir.resolve("ca.crt")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("are http://");
  }

  @Test
  void mixedSchemesAreRefused() {
    assertThatThrownBy(() -> EtcdConnection.plaintext("http://a:2379,https://b:2379"))
        .hasMessageContaining("mixes http:// and https://");
  }

  @Test
  void aUserWithoutAPasswordFileIsRefused() {
    assertThatThrownBy(
            () ->
                new EtcdConnection(
                    EtcdConnection.parse("http://127.0.0.1:2379"),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.of("meshgate"),
                    Optional.empty()))
        .hasMessageContaining("etcd user meshgate without a password file");
  }

  @Test
  void httpsWithoutACaIsAllowedAndSaysItUsesTheSystemTrustStore() {
    EtcdConnection connection = EtcdConnection.plaintext("https://etcd.example.com:2379");

    assertThat(connection.tls()).isTrue();
    assertThat(connection.notes()).singleElement().asString().contains("system trust store");
  }

  @Test
  void plaintextBeyondLoopbackIsNotedAndLoopbackIsNot() {
    assertThat(EtcdConnection.plaintext("http://127.0.0.1:2379,http://localhost:2380").notes())
        .isEmpty();
    assertThat(EtcdConnection.plaintext("http://127.0.0.1:2379,http://10.1.2.3:2379").notes())
        .singleElement()
        .asString()
        .contains("http://10.1.2.3:2379")
        .contains("without TLS");
  }

  @Test
  void thePasswordIsReadFromItsFileAndNeverShown() throws Exception {
    // given
    Path passwordFile = dir.resolve("password");
    Files.writeString(passwordFile, "s3cret-value\n");
    EtcdConnection connection =
        EtcdConnection.plaintext("http://10.1.2.3:2379").withUser("meshgate", passwordFile);

    // then
    assertThat(connection.toString()).doesNotContain("s3cret-value");
    assertThat(String.join("\n", connection.notes()))
        .contains("etcd password")
        .doesNotContain("s3cret-value");
  }

  @Test
  void aMissingPasswordFileFailsWhenConnecting() {
    EtcdConnection connection =
        EtcdConnection.plaintext("http://127.0.0.1:2379")
            .withUser("meshgate", dir.resolve("missing"));

    assertThatThrownBy(connection::connect)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("password file")
        .hasMessageContaining("missing");
  }
}
