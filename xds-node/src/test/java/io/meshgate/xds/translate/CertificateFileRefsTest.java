package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.status.Conditions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File certificateRefs from resources to ResolvedRefs and SDS: a Gateway's file below the node's
 * cert dirs is served; any other is RefNotPermitted on the Gateway, and per namespace a tenant
 * cannot serve another tenant's file.
 */
class CertificateFileRefsTest {
  private static final Path KEYS = Path.of(Cases.TEST_KEYS);

  @TempDir Path certs;

  private static String gateway(String namespace, Path file) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: %1$s}
        spec:
          listeners:
            - name: https
              port: 443
              protocol: HTTPS
              hostname: edge.example.com
              tls:
                certificateRefs:
                  - {group: meshgate.io, kind: File, name: %2$s}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: %1$s}
        spec:
          static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: %1$s}
        spec:
          parentRefs: [{name: edge}]
          rules: [{backendRefs: [{name: web}]}]
        """
        .formatted(namespace, file);
  }

  private Path certificate(String namespace) throws Exception {
    Path dir = Files.createDirectories(certs.resolve(namespace));
    return Files.writeString(
        dir.resolve("edge.pem"),
        Files.readString(KEYS.resolve("edge.example.com.crt"))
            + Files.readString(KEYS.resolve("edge.example.com.key")));
  }

  private static Conditions.Desired resolvedRefs(
      ConfigSnapshot config, ResolvedIr resolved, String namespace) {
    return Conditions.resolvedRefs(config.resources().values(), resolved.problems())
        .get(new ResourceKey(Kind.GATEWAY, namespace, "edge"));
  }

  private static List<Secret> secrets(Cases.Translated translated) {
    return translated.groups().stream()
        .map(GroupResources::secrets)
        .flatMap(List::stream)
        .map(r -> r.unpack(Secret.class))
        .toList();
  }

  @Test
  void aTenantsOwnFileIsServedAndAnotherTenantsIsNotPermitted() throws Exception {
    // given
    Path tenantA = certificate("tenant-a");
    KeyLoader keys = KeyLoader.of(null, CertificateDirs.perNamespace(List.of(certs)));
    ConfigSnapshot own = Cases.snapshot(gateway("tenant-a", tenantA));
    ConfigSnapshot borrowed = Cases.snapshot(gateway("tenant-b", tenantA));

    // when
    Cases.Translated ownTranslated = Cases.translate(Inputs.of(own, keys.ringFor(own)));
    Cases.Translated borrowedTranslated =
        Cases.translate(Inputs.of(borrowed, keys.ringFor(borrowed)));
    ResolvedIr ownResolved = ownTranslated.ir();
    ResolvedIr borrowedResolved = borrowedTranslated.ir();

    // then
    assertThat(ownResolved.problems()).isEmpty();
    assertThat(resolvedRefs(own, ownResolved, "tenant-a").status()).isEqualTo(ConditionStatus.TRUE);
    assertThat(secrets(ownTranslated))
        .singleElement()
        .satisfies(
            s ->
                assertThat(s.getTlsCertificate().getCertificateChain().getInlineString())
                    .isEqualTo(Files.readString(KEYS.resolve("edge.example.com.crt"))));
    Conditions.Desired refused = resolvedRefs(borrowed, borrowedResolved, "tenant-b");
    assertThat(refused.status()).isEqualTo(ConditionStatus.FALSE);
    assertThat(refused.reason()).isEqualTo("RefNotPermitted");
    assertThat(refused.message())
        .startsWith("/spec/listeners/0/tls/certificateRefs/0: certificate file references are")
        .doesNotContain(tenantA.toString());
    assertThat(secrets(borrowedTranslated)).isEmpty();
  }

  @Test
  void withoutCertDirsAFileRefIsNotPermittedWhetherTheFileExistsOrNot() throws Exception {
    // given
    Path existing = certificate("default");
    ConfigSnapshot toExisting = Cases.snapshot(gateway("default", existing));
    ConfigSnapshot toAbsent = Cases.snapshot(gateway("default", certs.resolve("absent.pem")));

    // when
    ResolvedIr existingResolved = Cases.translate(Cases.inputs(toExisting)).ir();
    ResolvedIr absentResolved = Cases.translate(Cases.inputs(toAbsent)).ir();

    // then
    Conditions.Desired forExisting = resolvedRefs(toExisting, existingResolved, "default");
    Conditions.Desired forAbsent = resolvedRefs(toAbsent, absentResolved, "default");
    assertThat(forExisting.reason()).isEqualTo("RefNotPermitted");
    assertThat(forExisting.message())
        .doesNotContain(existing.toString())
        .isEqualTo(forAbsent.message());
  }
}
