package io.meshgate.xds.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.xds.agent.IdentityFiles;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.serve.ProxyGroups;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshgate bootstrap}: prints the bootstrap a proxy needs to find its group on the replicas
 * — Envoy's (YAML: one {@code xds_cluster} listing every replica, ADS over delta gRPC) or, with
 * {@code --proxyless}, gRPC's (JSON, for {@code GRPC_XDS_BOOTSTRAP}).
 */
@Command(
    name = "bootstrap",
    mixinStandardHelpOptions = true,
    description =
        "Prints an Envoy bootstrap (--gateway, --sidecar) or a gRPC xDS bootstrap (--proxyless) pointing at the replicas.")
final class BootstrapCommand implements Callable<Integer> {
  static final String XDS_CLUSTER = "xds_cluster";

  /** The certificate provider instance the xDS resources name for the mesh identity. */
  static final String CERTIFICATE_PROVIDER = "meshgate";

  /** How gRPC names the Listener an xDS server asks for: its listening address fills %s. */
  static final String SERVER_LISTENER_TEMPLATE = "grpc/server?xds.resource.listening_address=%s";

  private static final Pattern SERVICE =
      Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?/[a-z0-9]([a-z0-9.-]*[a-z0-9])?");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  static final class Kind {
    @Option(names = "--gateway", paramLabel = "NAME", description = "An Envoy for this Gateway.")
    String gateway;

    @Option(
        names = "--sidecar",
        paramLabel = "NAME",
        description = "An Envoy for this Sidecar (a mesh proxy in front of a service).")
    String sidecar;

    @Option(names = "--proxyless", description = "A proxyless gRPC client.")
    boolean proxyless;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Kind kind;

  @Option(
      names = {"-n", "--namespace"},
      defaultValue = ObjectMeta.DEFAULT_NAMESPACE,
      description = "The Gateway's namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--node-id",
      required = true,
      description = "The proxy's node id (unique per proxy).")
  String nodeId;

  @Option(
      names = "--xds",
      descriptionKey = "xds-addr",
      defaultValue = "127.0.0.1:18000",
      split = ",",
      description =
          "Replicas' xDS addresses, host:port, comma-separated (default: ${DEFAULT-VALUE}).")
  List<String> xds;

  @Option(names = "--zone", description = "The proxy's zone (its locality).")
  @Nullable String zone;

  @Option(
      names = "--tls-ca",
      description =
          "CA certificate (PEM) that signed the replicas' xDS server certificate: the proxy uses TLS.")
  @Nullable Path tlsCa;

  @Option(
      names = "--cert-dir",
      description =
          "Directory with the proxy's client certificate (tls.crt, tls.key from meshgate cert issue): mutual TLS.")
  @Nullable Path certDir;

  @Option(
      names = "--token-file",
      description =
          "File holding a proxy token (meshgate token create), sent as authorization: Bearer.")
  @Nullable Path tokenFile;

  @Option(
      names = "--service",
      paramLabel = "NS/SA",
      description =
          "--proxyless: the service's namespace and service account; its node metadata then names"
              + " the group proxyless/NS/SA, which its credential must name too.")
  @Nullable String service;

  @Option(
      names = "--identity-dir",
      paramLabel = "DIR",
      description =
          "--proxyless: where meshgate identity keeps the service's mesh identity (cert.pem,"
              + " key.pem, ca.pem); adds the certificate provider 'meshgate' (file_watcher) and the"
              + " server listener name template, for xDS credentials.")
  @Nullable Path identityDir;

  @Option(
      names = "--identity-refresh",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description =
          "--identity-dir: how often gRPC reads the identity files again (default ${DEFAULT-VALUE});"
              + " a renewed certificate is used for new connections from the next read.")
  Duration identityRefresh;

  @Option(
      names = "--envoy-admin-port",
      defaultValue = "9901",
      description = "Envoy's admin port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int envoyAdminPort;

  @Override
  public Integer call() throws Exception {
    if ((certDir != null || tokenFile != null) && tlsCa == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--cert-dir and --token-file need --tls-ca: credentials are only sent over TLS");
    }
    if (!kind.proxyless && (service != null || identityDir != null)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--service and --identity-dir are options of --proxyless");
    }
    if (identityRefresh.toSeconds() < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--identity-refresh: " + identityRefresh + " (expected: at least 1s, whole seconds)");
    }
    if (service != null && !SERVICE.matcher(service).matches()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--service: '"
              + service
              + "' (expected: NAMESPACE/SERVICE_ACCOUNT, such as shop/orders)");
    }
    ObjectNode bootstrap = kind.proxyless ? grpc() : envoy();
    String text =
        kind.proxyless
            ? Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(bootstrap) + "\n"
            : Mappers.yaml().writeValueAsString(bootstrap);
    spec.commandLine().getOut().print(text);
    spec.commandLine().getOut().flush();
    return Meshgate.EXIT_OK;
  }

  /**
   * gRPC's bootstrap: the first replica serves, the others are fallbacks; the locality is set, as
   * some gRPC clients require.
   */
  ObjectNode grpc() {
    ObjectNode root = Mappers.json().createObjectNode();
    ArrayNode servers = root.putArray("xds_servers");
    for (String address : xds) {
      ObjectNode server = servers.addObject();
      server.put("server_uri", address.trim());
      ObjectNode creds = server.putArray("channel_creds").addObject();
      if (tlsCa == null) {
        creds.put("type", "insecure");
      } else {
        creds.put("type", "tls");
        ObjectNode config = creds.putObject("config");
        config.put("ca_certificate_file", tlsCa.toAbsolutePath().toString());
        if (certDir != null) {
          config.put("certificate_file", certDir.resolve("tls.crt").toAbsolutePath().toString());
          config.put("private_key_file", certDir.resolve("tls.key").toAbsolutePath().toString());
        }
      }
      if (tokenFile != null) {
        // gRPC's xDS client reads call credentials from the bootstrap only in newer releases;
        // the token file is named so such clients (and wrappers) can attach it.
        server
            .putArray("call_creds")
            .addObject()
            .put("type", "jwt_token_file")
            .putObject("config")
            .put("jwt_token_file", tokenFile.toAbsolutePath().toString());
      }
      server.putArray("server_features").add("xds_v3");
    }
    ObjectNode node = root.putObject("node");
    node.put("id", nodeId);
    node.put("cluster", "proxyless");
    node.putObject("metadata").put(ProxyGroups.PROXYLESS, service == null ? "true" : service);
    node.putObject("locality").put("zone", zone == null ? "" : zone);
    if (identityDir != null) {
      ObjectNode provider = root.putObject("certificate_providers").putObject(CERTIFICATE_PROVIDER);
      provider.put("plugin_name", "file_watcher");
      ObjectNode config = provider.putObject("config");
      Path dir = identityDir.toAbsolutePath();
      config.put("certificate_file", dir.resolve(IdentityFiles.CERTIFICATE).toString());
      config.put("private_key_file", dir.resolve(IdentityFiles.PRIVATE_KEY).toString());
      config.put("ca_certificate_file", dir.resolve(IdentityFiles.BUNDLE).toString());
      config.put("refresh_interval", identityRefresh.toSeconds() + "s");
      root.put("server_listener_resource_name_template", SERVER_LISTENER_TEMPLATE);
    }
    return root;
  }

  private String readToken() {
    try {
      return Files.readString(tokenFile).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read --token-file " + tokenFile, e);
    }
  }

  /** Envoy's bootstrap: ADS over delta gRPC to an xds_cluster that lists every replica. */
  ObjectNode envoy() {
    ObjectNode root = Mappers.json().createObjectNode();
    ObjectNode node = root.putObject("node");
    node.put("id", nodeId);
    // The group the node names; the credential must name the same one.
    boolean gateway = kind.gateway != null;
    String name = gateway ? kind.gateway : kind.sidecar;
    node.put("cluster", (gateway ? "gateway/" : "sidecar/") + namespace + "/" + name);
    node.putObject("metadata")
        .put(gateway ? ProxyGroups.GATEWAY : ProxyGroups.SIDECAR, namespace + "/" + name);
    if (zone != null) {
      node.putObject("locality").put("zone", zone);
    }
    ObjectNode dynamic = root.putObject("dynamic_resources");
    ObjectNode ads = dynamic.putObject("ads_config");
    ads.put("api_type", "DELTA_GRPC");
    ads.put("transport_api_version", "V3");
    ObjectNode grpcService = ads.putArray("grpc_services").addObject();
    grpcService.putObject("envoy_grpc").put("cluster_name", XDS_CLUSTER);
    if (tokenFile != null) {
      ObjectNode metadata = grpcService.putArray("initial_metadata").addObject();
      metadata.put("key", "authorization");
      metadata.put("value", "Bearer " + readToken());
    }
    ads.put("set_node_on_first_message_only", true);
    for (String config : List.of("cds_config", "lds_config")) {
      ObjectNode source = dynamic.putObject(config);
      source.putObject("ads");
      source.put("resource_api_version", "V3");
    }
    ObjectNode cluster = root.putObject("static_resources").putArray("clusters").addObject();
    cluster.put("name", XDS_CLUSTER);
    cluster.put("type", "STRICT_DNS");
    cluster.put("connect_timeout", "5s");
    ObjectNode options =
        cluster
            .putObject("typed_extension_protocol_options")
            .putObject("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    options.put(
        "@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    options.putObject("explicit_http_config").putObject("http2_protocol_options");
    ObjectNode assignment = cluster.putObject("load_assignment");
    assignment.put("cluster_name", XDS_CLUSTER);
    ArrayNode endpoints = assignment.putArray("endpoints").addObject().putArray("lb_endpoints");
    for (String address : xds) {
      InetSocketAddress replica = NodeSettings.address(address.trim());
      ObjectNode socket =
          endpoints
              .addObject()
              .putObject("endpoint")
              .putObject("address")
              .putObject("socket_address");
      socket.put("address", replica.getHostString());
      socket.put("port_value", replica.getPort());
    }
    if (tlsCa != null) {
      ObjectNode socket = cluster.putObject("transport_socket");
      socket.put("name", "envoy.transport_sockets.tls");
      ObjectNode tls = socket.putObject("typed_config");
      tls.put(
          "@type",
          "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext");
      ObjectNode common = tls.putObject("common_tls_context");
      common
          .putObject("validation_context")
          .putObject("trusted_ca")
          .put("filename", tlsCa.toAbsolutePath().toString());
      if (certDir != null) {
        ObjectNode certificate = common.putArray("tls_certificates").addObject();
        certificate
            .putObject("certificate_chain")
            .put("filename", certDir.resolve("tls.crt").toAbsolutePath().toString());
        certificate
            .putObject("private_key")
            .put("filename", certDir.resolve("tls.key").toAbsolutePath().toString());
      }
    }
    ObjectNode admin = root.putObject("admin").putObject("address").putObject("socket_address");
    admin.put("address", "127.0.0.1");
    admin.put("port_value", envoyAdminPort);
    return root;
  }
}
