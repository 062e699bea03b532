package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.Cases;
import io.meshgate.xds.translate.TestIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A new certificate for a listener changes the Secret only: Envoy gets an SDS-only push. */
class CertificateRotationTest {
  private static final Path KEYS = Path.of(Cases.TEST_KEYS);

  private static String config(String sealedSecretFile) throws Exception {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec:
          listeners:
            - name: https
              port: 443
              protocol: HTTPS
              hostname: edge.example.com
              tls: {certificateRefs: [{name: edge.example.com}]}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web}
        spec:
          static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          parentRefs: [{name: edge}]
          rules: [{backendRefs: [{name: web}]}]
        ---
        """
        + Files.readString(KEYS.resolve(sealedSecretFile));
  }

  @Test
  void aRotatedCertificateChangesOnlyTheSecretsVersion() throws Exception {
    SnapshotBuilder builder = new SnapshotBuilder();
    GroupSnapshot before =
        group(builder.build(Cases.inputs(Cases.snapshot(config("edge.example.com.sealed.yaml")))));
    GroupSnapshot after =
        group(
            builder.build(
                Cases.inputs(Cases.snapshot(config("edge.example.com.rotated.sealed.yaml")))));

    for (String type :
        new String[] {TypeUrls.CLUSTER, TypeUrls.ENDPOINT, TypeUrls.LISTENER, TypeUrls.ROUTE}) {
      assertThat(after.type(type).version()).as(type).isEqualTo(before.type(type).version());
    }
    assertThat(after.type(TypeUrls.SECRET).version())
        .isNotEqualTo(before.type(TypeUrls.SECRET).version());
    assertThat(chain(after))
        .isEqualTo(Files.readString(KEYS.resolve("edge.example.com.rotated.crt")));
    assertThat(chain(before)).isEqualTo(Files.readString(KEYS.resolve("edge.example.com.crt")));
  }

  @Test
  void aReissuedMeshIdentityChangesOnlyTheSidecarsSecretsVersion() throws Exception {
    // given: a sidecar in the mesh, built once
    ConfigSnapshot config =
        Cases.snapshot(
            Files.readString(
                Path.of(
                    "src/test/resources/golden/envoy/sidecar-inbound-and-upstreams/input.yaml")));
    Inputs first = Cases.inputs(config);
    SnapshotBuilder builder = new SnapshotBuilder();
    GroupSnapshot before = sidecar(builder.build(first));

    // when: its certificate is re-issued (2/3 of its life later), nothing else changes
    SpiffeId web = SpiffeId.workload("meshgate.local", "shop", "web");
    IdentitySnapshot issued = first.identities().snapshots().get(0);
    Map<SpiffeId, IssuedIdentity> renewed = new HashMap<>(issued.identities());
    renewed.put(
        web, TestIdentities.issue(web, TestIdentities.NOT_BEFORE.plus(Duration.ofHours(16))));
    Identities later =
        Identities.of(new IdentitySnapshot(issued.bundle(), renewed, Optional.empty()));
    GroupSnapshot after =
        sidecar(builder.build(new Inputs(config, first.endpoints(), first.keys(), later)));

    // then: an SDS-only change; the listeners that name the Secret stay, so nothing drains
    for (String type :
        new String[] {TypeUrls.CLUSTER, TypeUrls.ENDPOINT, TypeUrls.LISTENER, TypeUrls.ROUTE}) {
      assertThat(after.type(type).version()).as(type).isEqualTo(before.type(type).version());
    }
    assertThat(after.type(TypeUrls.SECRET).version())
        .isNotEqualTo(before.type(TypeUrls.SECRET).version());
    assertThat(after.type(TypeUrls.SECRET).resources().get(web.toString()).version())
        .isNotEqualTo(before.type(TypeUrls.SECRET).resources().get(web.toString()).version());
    assertThat(after.type(TypeUrls.SECRET).resources().get("spiffe://meshgate.local").version())
        .isEqualTo(
            before.type(TypeUrls.SECRET).resources().get("spiffe://meshgate.local").version());
  }

  private static GroupSnapshot sidecar(SnapshotBuilder.Build build) {
    return build.snapshots().stream()
        .filter(s -> s.group().equals("sidecar/shop/web"))
        .findFirst()
        .orElseThrow();
  }

  private static GroupSnapshot group(SnapshotBuilder.Build build) {
    return build.snapshots().stream()
        .filter(s -> s.group().equals("gateway/default/edge"))
        .findFirst()
        .orElseThrow();
  }

  private static String chain(GroupSnapshot snapshot) throws Exception {
    Secret secret =
        snapshot
            .type(TypeUrls.SECRET)
            .resources()
            .get("secret/default/edge.example.com")
            .resource()
            .unpack(Secret.class);
    return secret.getTlsCertificate().getCertificateChain().getInlineString();
  }
}
