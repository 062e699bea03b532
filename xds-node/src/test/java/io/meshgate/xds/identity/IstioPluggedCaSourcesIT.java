package io.meshgate.xds.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.ca.Signing;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.xds.translate.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default factory's plugged-in CA source on real files: an Istio MeshBridge with {@code
 * ca.istio.pluggedIn} brings its Gateway an identity this node signs with the mesh's {@code
 * cacerts} files, within the one Istio namespace the node may sign in.
 */
class IstioPluggedCaSourcesIT {
  @TempDir Path cacerts;

  private X509Certificate root;
  private BridgeSources sources;

  @BeforeEach
  void files() throws Exception {
    KeyPair keys = KeyPairs.generate(new SecureRandom());
    Instant now = Instant.now();
    root =
        CertificateAuthority.selfSigned(
                "Istio root",
                keys,
                now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(365)),
                CertificateAuthority.randomSerial(new SecureRandom()),
                Signing.RANDOMIZED)
            .certificate();
    // The root signs itself: ca-cert.pem is the root, and the chain to it is empty.
    Files.writeString(cacerts.resolve("ca-cert.pem"), Pem.certificates(List.of(root)));
    Files.writeString(cacerts.resolve("ca-key.pem"), Pem.privateKey(keys.getPrivate()));
    Files.writeString(cacerts.resolve("root-cert.pem"), Pem.certificates(List.of(root)));
    Files.writeString(cacerts.resolve("cert-chain.pem"), "");
    sources =
        BridgeSources.of(
            Optional.empty(),
            Optional.empty(),
            Optional.of(new IstioPluggedCa(cacerts, "gateways")));
  }

  @AfterEach
  void stop() {
    sources.close();
  }

  private static String bridge(String istioNamespace) {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: istio-east, namespace: edge}
        spec:
          mesh: Istio
          trustDomain: cluster.local
          ca: {istio: {pluggedIn: true, namespace: %s}}
          gateways: [public]
          serviceName: meshgate-gw
        """
        .formatted(istioNamespace);
  }

  @Test
  void aPluggedInBridgesGatewayGetsAnIdentitySignedWithTheMeshsFiles() throws Exception {
    // when
    sources.configChanged(TestConfigs.snapshot(bridge("gateways")));
    SpiffeId id = SpiffeId.workload("cluster.local", "gateways", "meshgate-gw");

    // then: the identity, signed by the files' CA, and the files' root as the bundle
    Identities identities =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> sources.snapshotsFor(Set.of(id), Optional.empty()),
                i -> i.get(id).isPresent());
    IssuedIdentity issued = identities.get(id).orElseThrow();
    X509Certificate leaf = Pem.certificates(issued.chainPem(), "leaf").get(0);
    leaf.verify(root.getPublicKey());
    assertThat(leaf.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)))
        .containsExactly(id.toString());
    assertThat(identities.bundleOf("cluster.local")).isPresent();
  }

  @Test
  void anIdentityOutsideTheNamespaceTheFilesMaySignInIsNeverIssued() {
    // when: the bridge asks for an identity in istio-system
    sources.configChanged(TestConfigs.snapshot(bridge("istio-system")));
    SpiffeId id = SpiffeId.workload("cluster.local", "istio-system", "meshgate-gw");

    // then: the source runs, and answers without it
    assertThat(sources.sources()).hasSize(1);
    assertThat(sources.snapshotsFor(Set.of(id), Optional.empty()).get(id)).isEmpty();
  }
}
