package io.meshgate.config.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A Kubernetes TLS Secret becomes a sealed Secret that carries no key material. */
class SecretSealingTest {
  /** A throwaway test certificate and its key (CN=test-only.meshgate.invalid). */
  private static final String CERT = resource("/seal/test-only.crt");

  private static final String KEY = resource("/seal/test-only.key");

  private static JsonNode plainTlsSecret() {
    String yaml =
        "apiVersion: v1\n"
            + "kind: Secret\n"
            + "metadata: {name: edge-cert, namespace: infra, labels: {team: edge}}\n"
            + "type: kubernetes.io/tls\n"
            + "data:\n"
            + "  tls.crt: "
            + Base64.getEncoder().encodeToString(CERT.getBytes(StandardCharsets.UTF_8))
            + "\n"
            + "  tls.key: "
            + Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.UTF_8))
            + "\n"
            + "stringData:\n"
            + "  note: plain words\n";
    return YamlDocuments.read("-", yaml).get(0).tree();
  }

  @Test
  void aSealedTlsSecretIsValidAndOpensWithTheClusterKey() {
    // when
    ObjectNode sealed =
        SecretSealing.seal(plainTlsSecret(), new Sealer(TestKeys.CLUSTER.publicKey()));

    // then: it validates, keeps the certificate readable, and the key opens with the private key
    Validation validation = ResourceValidator.get().validate(sealed);
    assertThat(validation).isInstanceOf(Validation.Valid.class);
    Resource resource = ((Validation.Valid) validation).resource();
    SecretSpec spec = resource.spec(SecretSpec.class);
    assertThat(
            new String(
                Base64.getDecoder().decode(spec.data().get("tls.crt")), StandardCharsets.UTF_8))
        .isEqualTo(CERT);
    assertThat(spec.data()).doesNotContainKey("tls.key");
    Map<String, byte[]> opened =
        new Unsealer(TestKeys.CLUSTER.privateKey()).unseal("infra", "edge-cert", spec.sealed());
    assertThat(new String(opened.get("tls.key"), StandardCharsets.UTF_8)).isEqualTo(KEY);
    assertThat(new String(opened.get("note"), StandardCharsets.UTF_8)).isEqualTo("plain words");
    assertThat(resource.metadata().labels()).containsEntry("team", "edge");
  }

  @Test
  void neitherTheStoredJsonNorThePublishedEventContainsKeyMaterial() {
    // given
    ObjectNode sealed =
        SecretSealing.seal(plainTlsSecret(), new Sealer(TestKeys.CLUSTER.publicKey()));
    Resource resource = ((Validation.Valid) ResourceValidator.get().validate(sealed)).resource();

    // when
    String stored = new String(ResourceCodec.toJson(resource), StandardCharsets.UTF_8);
    String published =
        EventEncoder.forSource("test").applied(resource, OptionalLong.empty()).valueText();

    // then: no PEM key, no base64 of it, no line of its body, no plain stringData
    String keyBody = KEY.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    for (String text : new String[] {stored, published}) {
      assertThat(text)
          .doesNotContain("PRIVATE KEY")
          .doesNotContain(keyBody)
          .doesNotContain(Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.UTF_8)))
          .doesNotContain("plain words")
          .contains("\"sealed\"");
    }
  }

  @Test
  void anAlreadySealedSecretIsNotSealedAgain() {
    ObjectNode sealed =
        SecretSealing.seal(plainTlsSecret(), new Sealer(TestKeys.CLUSTER.publicKey()));

    assertThatThrownBy(() -> SecretSealing.seal(sealed, new Sealer(TestKeys.CLUSTER.publicKey())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("infra/edge-cert is already sealed; seal the plain Secret again instead");
  }

  @Test
  void onlySecretsAreSealed() {
    JsonNode backend =
        YamlDocuments.read(
                "-", "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: x}\n")
            .get(0)
            .tree();

    assertThatThrownBy(() -> SecretSealing.seal(backend, new Sealer(TestKeys.CLUSTER.publicKey())))
        .hasMessage("kind: 'Backend' (expected: Secret)");
  }

  private static String resource(String path) {
    try (InputStream in = SecretSealingTest.class.getResourceAsStream(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
