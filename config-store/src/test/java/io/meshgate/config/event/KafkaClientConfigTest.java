package io.meshgate.config.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientConfigTest {
  @TempDir Path dir;

  private Path file(String text, String mode) throws Exception {
    Path file = Files.createTempFile(dir, "kafka", ".properties");
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  @Test
  void secretsAreMaskedInToStringAndRedacted() throws Exception {
    // given
    Path file =
        file(
            """
            security.protocol=SASL_SSL
            sasl.mechanism=SCRAM-SHA-512
            sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
              username="applier" password="s3cret-jaas";
            ssl.truststore.password=s3cret-trust
            ssl.key.password=s3cret-key
            ssl.keystore.key=-----BEGIN PRIVATE KEY-----s3cret-pem
            sasl.oauthbearer.client.credentials.client.secret=s3cret-oauth
            """,
            "rw-------");

    // when
    KafkaClientConfig config = KafkaClientConfig.load(file, w -> {});

    // then
    assertThat(config.toString())
        .doesNotContain("s3cret")
        .contains("sasl.mechanism=SCRAM-SHA-512", "sasl.jaas.config=[hidden]");
    assertThat(config.redacted().values()).noneMatch(v -> v.contains("s3cret"));
    assertThat(config.redacted()).containsEntry("ssl.keystore.key", "[hidden]");
    assertThat(config.properties().get("sasl.jaas.config")).contains("password=\"s3cret-jaas\"");
  }

  @Test
  void unknownKeysPassThroughAndMeshgatesOwnSettingsWinOnlyWhereItNeedsThem() throws Exception {
    // given
    Path file =
        file(
            """
            security.protocol=SSL
            some.plugin.setting=42
            bootstrap.servers=elsewhere:9092
            enable.idempotence=false
            linger.ms=7
            """,
            "rw-------");
    List<String> warnings = new ArrayList<>();

    // when
    Map<String, Object> merged =
        KafkaClientConfig.load(file, warnings::add)
            .over(
                Map.of(
                    "bootstrap.servers", "kafka:9093", "enable.idempotence", true, "linger.ms", 0));

    // then
    assertThat(merged)
        .containsEntry("some.plugin.setting", "42")
        .containsEntry("security.protocol", "SSL")
        .containsEntry("bootstrap.servers", "kafka:9093")
        .containsEntry("enable.idempotence", true)
        .containsEntry("linger.ms", "7");
    assertThat(warnings)
        .anyMatch(w -> w.contains("bootstrap.servers is ignored"))
        .anyMatch(w -> w.contains("enable.idempotence is ignored"));
  }

  @Test
  void aWorldReadableFileIsWarnedAboutOnceNamingTheFileAndItsMode() throws Exception {
    // given
    Path file = file("security.protocol=SSL\n", "rw-r--r--");
    List<String> warnings = new ArrayList<>();

    // when
    KafkaClientConfig.load(file, warnings::add);
    KafkaClientConfig.load(file, warnings::add);

    // then
    assertThat(warnings)
        .containsExactly(
            "Kafka client config "
                + file
                + " is readable by every user (mode rw-r--r--); it may hold passwords and keys:"
                + " chmod 600 it");
  }

  @Test
  void aPrivateFileIsNotWarnedAbout() throws Exception {
    // given
    Path file = file("security.protocol=SSL\n", "rw-r-----");
    List<String> warnings = new ArrayList<>();

    // when
    KafkaClientConfig.load(file, warnings::add);

    // then
    assertThat(warnings).isEmpty();
  }

  @Test
  void wrongValuesAreRefusedNamingTheFileAndTheKey() throws Exception {
    // given
    Path badProtocol = file("security.protocol=TLS\n", "rw-------");
    Path missingTruststore =
        file("ssl.truststore.location=" + dir.resolve("nope.pem") + "\n", "rw-------");

    // when / then
    assertThatThrownBy(() -> KafkaClientConfig.load(badProtocol, w -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Kafka client config "
                + badProtocol
                + ": security.protocol: 'TLS' (expected: one of PLAINTEXT, SSL, SASL_PLAINTEXT,"
                + " SASL_SSL)");
    assertThatThrownBy(() -> KafkaClientConfig.load(missingTruststore, w -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ssl.truststore.location: " + dir.resolve("nope.pem"));
  }
}
