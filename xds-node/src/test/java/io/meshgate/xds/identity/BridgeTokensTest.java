package io.meshgate.xds.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SealedData;
import io.meshgate.config.model.SecretRef;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.xds.translate.Cases;
import io.meshgate.xds.translate.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A MeshBridge's own Consul token, read from a sealed Secret of its namespace. */
class BridgeTokensTest {
  private static final String TOKEN = "6a1c2b7e-9f0d-4c3b-8a21-5e4f3d2c1b0a";
  private static final SecretRef REF = new SecretRef("consul-token", null);

  private final BridgeTokens tokens = new BridgeTokens(Optional.of(Cases.testUnsealer()));

  /** A MeshBridge in namespace {@code edge} and, unless null, a Secret holding {@code sealed}. */
  static ConfigSnapshot config(String secretName, SealedData sealed) {
    String bridge =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: consul-dc1, namespace: edge}
        spec:
          mesh: Consul
          trustDomain: 11111111-2222-3333-4444-555555555555.consul
          ca: {consul: {address: "https://consul-b:8501", token: {name: consul-token}}}
          gateways: [public]
        """;
    if (sealed == null) {
      return TestConfigs.snapshot(bridge);
    }
    StringBuilder data = new StringBuilder();
    sealed.data().forEach((k, v) -> data.append(k).append(": ").append(v).append(", "));
    return TestConfigs.snapshot(
        bridge
            + """
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: %s, namespace: edge}
            type: Opaque
            sealed:
              algorithm: %s
              keyId: %s
              wrappedKey: %s
              data: {%s}
            """
                .formatted(
                    secretName,
                    sealed.algorithm(),
                    sealed.keyId(),
                    sealed.wrappedKey(),
                    data.substring(0, data.length() - 2)));
  }

  static SealedData sealed(String secretName, String key, String value) throws Exception {
    Sealer sealer = new Sealer(SealKeys.readPublic(Path.of(Cases.TEST_KEYS, "seal.pub")));
    return sealer.seal("edge", secretName, Map.of(key, value.getBytes(StandardCharsets.UTF_8)));
  }

  private BridgeTokens.Read read(BridgeTokens with, ConfigSnapshot config) {
    return with.read(
        config,
        config.get(new ResourceKey(Kind.MESH_BRIDGE, "edge", "consul-dc1")).orElseThrow(),
        REF);
  }

  @Test
  void aSealedTokenIsReadAndPrintedOnlyAsAFingerprint() throws Exception {
    BridgeTokens.Read read =
        read(tokens, config("consul-token", sealed("consul-token", "token", TOKEN)));

    assertThat(read).isEqualTo(new BridgeTokens.Token(TOKEN));
    assertThat(read.toString()).startsWith("Token[sha256:").doesNotContain(TOKEN);
  }

  @Test
  void eachReasonATokenCannotBeReadIsSaidWithoutAValue() throws Exception {
    assertThat(read(tokens, config("consul-token", null)))
        .isEqualTo(
            new BridgeTokens.Unreadable("Secret edge/consul-token key token: no such Secret"));
    assertThat(read(tokens, config("consul-token", sealed("consul-token", "other", TOKEN))))
        .isEqualTo(
            new BridgeTokens.Unreadable("Secret edge/consul-token key token: no such sealed key"));
    assertThat(
            read(
                BridgeTokens.none(),
                config("consul-token", sealed("consul-token", "token", TOKEN))))
        .isEqualTo(
            new BridgeTokens.Unreadable(
                "Secret edge/consul-token key token: this node has no seal key (MESHGATE_SEAL_KEY)"));
    assertThat(read(tokens, config("consul-token", sealed("consul-token", "token", "two words"))))
        .isEqualTo(
            new BridgeTokens.Unreadable(
                "Secret edge/consul-token key token: not one printable token"));
    // Sealed for another Secret's name: the envelope binds the value to its Secret.
    BridgeTokens.Read moved =
        read(tokens, config("consul-token", sealed("elsewhere", "token", TOKEN)));
    assertThat(moved).isInstanceOf(BridgeTokens.Unreadable.class);
    assertThat(((BridgeTokens.Unreadable) moved).reason())
        .startsWith("Secret edge/consul-token key token: ")
        .doesNotContain(TOKEN);
  }

  @Test
  void aNodeWithAnotherSealKeyCannotReadIt() throws Exception {
    BridgeTokens other =
        new BridgeTokens(Optional.of(new Unsealer(SealKeyPair.generate().privateKey())));

    assertThat(read(other, config("consul-token", sealed("consul-token", "token", TOKEN))))
        .isInstanceOf(BridgeTokens.Unreadable.class);
  }
}
