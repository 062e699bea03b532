package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.serve.ProxyGroups;
import org.junit.jupiter.api.Test;

class BootstrapCommandTest {
  @Test
  void aSidecarsBootstrapNamesItsSidecarGroup() throws Exception {
    // when
    CliRun run =
        CliRun.run(
            "bootstrap", "--sidecar", "web", "-n", "shop", "--node-id", "web-1", "--zone", "z1");

    // then: Envoy's schema accepts it, and the node names the group sidecar/shop/web
    assertThat(run.exit()).as(run.err()).isZero();
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser()
        .usingTypeRegistry(
            JsonFormat.TypeRegistry.newBuilder().add(HttpProtocolOptions.getDescriptor()).build())
        .merge(Mappers.json().writeValueAsString(Mappers.yaml().readTree(run.out())), bootstrap);
    assertThat(bootstrap.getNode().getCluster()).isEqualTo("sidecar/shop/web");
    assertThat(
            bootstrap
                .getNode()
                .getMetadata()
                .getFieldsOrThrow("meshgate.io/sidecar")
                .getStringValue())
        .isEqualTo("shop/web");
    assertThat(ProxyGroups.of(bootstrap.getNode())).isEqualTo("sidecar/shop/web");
  }

  @Test
  void anEnvoyBootstrapIsAValidBootstrapListingEveryReplica() throws Exception {
    CliRun run =
        CliRun.run(
            "bootstrap",
            "--gateway",
            "edge",
            "-n",
            "infra",
            "--node-id",
            "edge-1",
            "--xds",
            "10.0.0.1:18000,xds-2.internal:18000",
            "--zone",
            "z1");

    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode yaml = Mappers.yaml().readTree(run.out());
    // Envoy's own schema: unknown fields fail.
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser()
        .usingTypeRegistry(
            JsonFormat.TypeRegistry.newBuilder().add(HttpProtocolOptions.getDescriptor()).build())
        .merge(Mappers.json().writeValueAsString(yaml), bootstrap);
    assertThat(bootstrap.getNode().getId()).isEqualTo("edge-1");
    assertThat(
            bootstrap
                .getNode()
                .getMetadata()
                .getFieldsOrThrow("meshgate.io/gateway")
                .getStringValue())
        .isEqualTo("infra/edge");
    assertThat(bootstrap.getDynamicResources().getAdsConfig().getApiType().name())
        .isEqualTo("DELTA_GRPC");
    assertThat(
            bootstrap
                .getStaticResources()
                .getClusters(0)
                .getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
        .containsExactly("10.0.0.1", "xds-2.internal");
    assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getAddress())
        .isEqualTo("127.0.0.1");
  }

  @Test
  void aProxylessBootstrapNamesTheServersAndTheLocality() throws Exception {
    CliRun run =
        CliRun.run(
            "bootstrap",
            "--proxyless",
            "--node-id",
            "client-1",
            "--xds",
            "127.0.0.1:18000",
            "--zone",
            "z1");

    JsonNode json = Mappers.json().readTree(run.out());
    assertThat(json.path("xds_servers").get(0).path("server_uri").asText())
        .isEqualTo("127.0.0.1:18000");
    assertThat(json.path("xds_servers").get(0).path("server_features").get(0).asText())
        .isEqualTo("xds_v3");
    assertThat(json.path("node").path("metadata").path("meshgate.io/proxyless").asText())
        .isEqualTo("true");
    assertThat(json.path("node").path("locality").path("zone").asText()).isEqualTo("z1");
  }

  @Test
  void aProxylessServiceWithAnIdentityNamesItsGroupTheFileWatcherAndTheServerTemplate(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    CliRun run =
        CliRun.run(
            "bootstrap",
            "--proxyless",
            "--node-id",
            "orders-1",
            "--service",
            "shop/orders",
            "--identity-dir",
            dir.toString());

    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode json = Mappers.json().readTree(run.out());
    assertThat(json.path("node").path("metadata").path("meshgate.io/proxyless").asText())
        .isEqualTo("shop/orders");
    JsonNode provider = json.path("certificate_providers").path("meshgate");
    assertThat(provider.path("plugin_name").asText()).isEqualTo("file_watcher");
    assertThat(provider.path("config").path("certificate_file").asText())
        .isEqualTo(dir.resolve("cert.pem").toAbsolutePath().toString());
    assertThat(provider.path("config").path("private_key_file").asText())
        .isEqualTo(dir.resolve("key.pem").toAbsolutePath().toString());
    assertThat(provider.path("config").path("ca_certificate_file").asText())
        .isEqualTo(dir.resolve("ca.pem").toAbsolutePath().toString());
    assertThat(provider.path("config").path("refresh_interval").asText()).isEqualTo("30s");
    assertThat(json.path("server_listener_resource_name_template").asText())
        .isEqualTo("grpc/server?xds.resource.listening_address=%s");
  }

  @Test
  void withoutAnIdentityDirThereIsNoCertificateProvider() throws Exception {
    CliRun run = CliRun.run("bootstrap", "--proxyless", "--node-id", "c1");

    JsonNode json = Mappers.json().readTree(run.out());
    assertThat(json.has("certificate_providers")).isFalse();
    assertThat(json.has("server_listener_resource_name_template")).isFalse();
  }

  @Test
  void aServiceMustBeNamespaceSlashServiceAccountAndIsForProxylessOnly() {
    CliRun malformed =
        CliRun.run("bootstrap", "--proxyless", "--node-id", "c1", "--service", "orders");
    CliRun gateway =
        CliRun.run("bootstrap", "--gateway", "edge", "--node-id", "e", "--service", "shop/orders");

    assertThat(malformed.exit()).isEqualTo(2);
    assertThat(malformed.err()).contains("expected: NAMESPACE/SERVICE_ACCOUNT");
    assertThat(gateway.exit()).isEqualTo(2);
    assertThat(gateway.err()).contains("options of --proxyless");
  }

  @Test
  void oneKindOfProxyMustBeChosen() {
    assertThat(CliRun.run("bootstrap", "--node-id", "x").exit()).isEqualTo(2);
  }

  @Test
  void anEnvoyBootstrapWithTlsClientCertificateAndTokenIsStillAValidBootstrap(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("token"), "header.payload.signature\n");

    CliRun run =
        CliRun.run(
            "bootstrap",
            "--gateway",
            "edge",
            "--node-id",
            "edge-1",
            "--tls-ca",
            dir.resolve("ca.crt").toString(),
            "--cert-dir",
            dir.toString(),
            "--token-file",
            dir.resolve("token").toString());

    assertThat(run.exit()).as(run.err()).isZero();
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser()
        .usingTypeRegistry(
            JsonFormat.TypeRegistry.newBuilder()
                .add(HttpProtocolOptions.getDescriptor())
                .add(
                    io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        .getDescriptor())
                .build())
        .merge(Mappers.json().writeValueAsString(Mappers.yaml().readTree(run.out())), bootstrap);
    var tls =
        bootstrap
            .getStaticResources()
            .getClusters(0)
            .getTransportSocket()
            .getTypedConfig()
            .unpack(
                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.class);
    assertThat(tls.getCommonTlsContext().getValidationContext().getTrustedCa().getFilename())
        .endsWith("ca.crt");
    assertThat(tls.getCommonTlsContext().getTlsCertificates(0).getPrivateKey().getFilename())
        .endsWith("tls.key");
    assertThat(
            bootstrap
                .getDynamicResources()
                .getAdsConfig()
                .getGrpcServices(0)
                .getInitialMetadata(0)
                .getValue())
        .isEqualTo("Bearer header.payload.signature");
  }

  @Test
  void aProxylessBootstrapWithTlsNamesTheCertificateFiles(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    CliRun run =
        CliRun.run(
            "bootstrap",
            "--proxyless",
            "--node-id",
            "c1",
            "--tls-ca",
            dir.resolve("ca.crt").toString(),
            "--cert-dir",
            dir.toString());

    JsonNode creds =
        Mappers.json().readTree(run.out()).path("xds_servers").get(0).path("channel_creds").get(0);
    assertThat(creds.path("type").asText()).isEqualTo("tls");
    assertThat(creds.path("config").path("certificate_file").asText()).endsWith("tls.crt");
  }

  @Test
  void credentialsWithoutTlsAreAUsageError() {
    assertThat(
            CliRun.run("bootstrap", "--gateway", "edge", "--node-id", "e", "--cert-dir", "/tmp")
                .exit())
        .isEqualTo(2);
  }
}
