package io.meshgate.xds.cli;

import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.discovery.nomad.NomadSettings;
import io.meshgate.meshbridge.meshca.MeshCaSettings;
import io.meshgate.xds.identity.IstioAccess;
import io.meshgate.xds.identity.IstioPluggedCa;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.node.BodyTransformation;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.RateLimitSettings;
import io.meshgate.xds.node.ServingLimits;
import io.meshgate.xds.node.SignatureSettings;
import io.meshgate.xds.node.XdsNode;
import io.meshgate.xds.node.XdsSecurity;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.WafModule;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meshgate node}: one xds-node replica. */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Runs an xds-node replica: applies config events from Kafka to etcd (consumer group"
          + " meshgate-appliers; creates the topics if missing), translates what etcd holds, and"
          + " serves it over ADS (state of the world and delta). Stops on SIGTERM or Ctrl-C."
    })
final class NodeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--replica-id",
      descriptionKey = "replica-id",
      description = "This replica's name (env MESHGATE_REPLICA_ID; default: hostname:xds-port).")
  @Nullable String replicaId;

  @Option(
      names = "--xds-addr",
      descriptionKey = "xds-addr",
      defaultValue = "127.0.0.1:18000",
      description =
          "Where ADS is served (env MESHGATE_XDS_ADDR; default ${DEFAULT-VALUE}). Plaintext for now: a non-loopback address prints a warning.")
  String xdsAddress;

  @Option(
      names = "--rls-addr",
      descriptionKey = "rls-addr",
      defaultValue = "127.0.0.1:18081",
      description =
          "Where the global rate limit service is served when a Redis is configured (env MESHGATE_RLS_ADDR; default ${DEFAULT-VALUE}; off: not served). Counters in MESHGATE_REDIS (redis:// or rediss://, user and password in the URL; MESHGATE_REDIS_CA for a private CA).")
  String rlsAddress;

  @Option(
      names = "--rls-endpoints",
      descriptionKey = "rls-endpoints",
      description =
          "Where Envoy reaches the rate limit service, ip:port[,ip:port...], the same on every replica (env MESHGATE_RLS_ENDPOINTS; default: --rls-addr when this node serves it).")
  @Nullable String rlsEndpoints;

  @Option(
      names = "--admin-addr",
      descriptionKey = "admin-addr",
      defaultValue = "127.0.0.1:19000",
      description =
          "Where /healthz, /readyz and /debug are served (env MESHGATE_ADMIN_ADDR; default ${DEFAULT-VALUE}).")
  String adminAddress;

  @Option(
      names = "--admin-grpc-addr",
      descriptionKey = "admin-grpc-addr",
      description =
          "Where Envoy's Client Status Discovery Service (CSDS) is served, over gRPC (env MESHGATE_ADMIN_GRPC_ADDR; default: --admin-addr's host and the next port, 127.0.0.1:19001; off: not served). Off loopback it requires --admin-token-file, as /debug does.")
  @Nullable String adminGrpcAddress;

  @Option(
      names = "--admin-advertise",
      descriptionKey = "admin-advertise",
      description =
          "The admin address host:port other machines reach this replica's admin port at, written to etcd for meshgate proxy-status and proxy-config (env MESHGATE_ADMIN_ADVERTISE; default: --admin-addr).")
  @Nullable String adminAdvertise;

  @Option(
      names = "--admin-token-file",
      descriptionKey = "admin-token-file",
      description =
          "A file whose one line is the bearer token /debug requires; /healthz and /readyz stay open (env MESHGATE_ADMIN_TOKEN_FILE). Required when --admin-addr is not a loopback address.")
  @Nullable Path adminTokenFile;

  @Option(
      names = "--xds-tls-cert",
      descriptionKey = "xds-tls-cert",
      description = "PEM certificate chain for TLS on the xDS port (env MESHGATE_XDS_TLS_CERT).")
  @Nullable Path tlsCert;

  @Option(
      names = "--xds-tls-key",
      descriptionKey = "xds-tls-key",
      description = "PEM private key for TLS on the xDS port (env MESHGATE_XDS_TLS_KEY).")
  @Nullable Path tlsKey;

  @Option(
      names = "--xds-client-ca",
      descriptionKey = "xds-client-ca",
      description =
          "The proxy CA (meshgate ca init) whose client certificates name proxy groups (env MESHGATE_XDS_CLIENT_CA).")
  @Nullable Path clientCa;

  @Option(
      names = "--xds-allow-anonymous",
      descriptionKey = "xds-allow-anonymous",
      description =
          "Serve streams without a client certificate or token (env MESHGATE_XDS_ALLOW_ANONYMOUS; default: true only when xDS binds to loopback).")
  @Nullable Boolean allowAnonymous;

  @Option(
      names = "--seal-key",
      descriptionKey = "seal-key",
      description =
          "The cluster's private seal key (meshgate seal-key create), to unseal listener certificates (env MESHGATE_SEAL_KEY).")
  @Nullable Path sealKey;

  @Option(
      names = "--cert-dirs",
      descriptionKey = "cert-dirs",
      description =
          "Absolute directories, comma-separated, that certificate File references (group meshgate.io, kind File) may name files below; none by default, so every File reference is refused with RefNotPermitted (env MESHGATE_CERT_DIRS).")
  @Nullable String certDirs;

  @Option(
      names = "--cert-dirs-per-namespace",
      descriptionKey = "cert-dirs-per-namespace",
      description =
          "A File reference from namespace N reaches only files below <dir>/N/ of each --cert-dirs directory (env MESHGATE_CERT_DIRS_PER_NAMESPACE; default false).")
  boolean certDirsPerNamespace;

  @Option(
      names = "--max-new-streams-per-second",
      descriptionKey = "max-new-streams-per-second",
      defaultValue = "1000",
      description =
          "New ADS streams taken per second; more are refused with UNAVAILABLE and retried by the proxies (env MESHGATE_MAX_NEW_STREAMS_PER_SECOND; default ${DEFAULT-VALUE}).")
  int newStreamsPerSecond;

  @Option(
      names = "--token-max-ttl",
      descriptionKey = "token-max-ttl",
      defaultValue = "24h",
      converter = DurationConverter.class,
      description =
          "Proxy tokens that live longer are refused, whoever signed them (env MESHGATE_TOKEN_MAX_TTL; default ${DEFAULT-VALUE}).")
  Duration tokenMaxTtl;

  @Option(
      names = "--max-streams",
      descriptionKey = "max-streams",
      defaultValue = "20000",
      description =
          "ADS streams open at once; more are refused with RESOURCE_EXHAUSTED and the proxies retry, elsewhere if they can (env MESHGATE_MAX_STREAMS; default ${DEFAULT-VALUE}).")
  int maxStreams;

  @Option(
      names = "--max-connection-age",
      descriptionKey = "max-connection-age",
      defaultValue = "30m",
      converter = DurationConverter.class,
      description =
          "Proxies are asked to reconnect after about this long (±10 %% jitter), so they spread over replicas (env MESHGATE_MAX_CONNECTION_AGE; default ${DEFAULT-VALUE}).")
  Duration maxConnectionAge;

  @Option(
      names = "--registration-ttl",
      descriptionKey = "registration-ttl",
      defaultValue = "15s",
      converter = DurationConverter.class,
      description =
          "The lease of a Workload a VM's agent registers (meshgate register): an agent silent this long is gone (env MESHGATE_REGISTRATION_TTL; default ${DEFAULT-VALUE}).")
  Duration registrationTtl;

  @Option(
      names = "--trust-domain",
      descriptionKey = "trust-domain",
      defaultValue = "meshgate.local",
      description =
          "The trust domain of the SPIFFE identities the mesh CA issues, spiffe://<domain>/ns/<namespace>/sa/<name> (env MESHGATE_TRUST_DOMAIN; default ${DEFAULT-VALUE}).")
  String trustDomain;

  @Option(
      names = "--mesh-cert-ttl",
      descriptionKey = "mesh-cert-ttl",
      defaultValue = "24h",
      converter = DurationConverter.class,
      description =
          "How long a mesh certificate is valid; a new one is issued after 2/3 of it; at least 10m (env MESHGATE_MESH_CERT_TTL; default ${DEFAULT-VALUE}).")
  Duration meshCertTtl;

  @Option(
      names = "--mesh-default-permission",
      descriptionKey = "mesh-default-permission",
      defaultValue = "DENY",
      description =
          "Who may call an in-mesh Backend that no Allow TrafficPermission targets: ALLOW (every mesh identity) or DENY (none); every replica must use the same (env MESHGATE_MESH_DEFAULT_PERMISSION; default ${DEFAULT-VALUE}).")
  MeshSettings.DefaultPermission meshDefaultPermission;

  @Option(
      names = "--waf-module-url",
      descriptionKey = "waf-module-url",
      description =
          "Where Envoys fetch OWASP Coraza's proxy-wasm module for SecurityPolicies with a waf; every replica must use the same (env MESHGATE_WAF_MODULE_URL; default: none, and such policies' routes answer 500).")
  String wafModuleUrl;

  @Option(
      names = "--waf-module-sha256",
      descriptionKey = "waf-module-sha256",
      description =
          "The SHA-256 of that module, which Envoy checks (env MESHGATE_WAF_MODULE_SHA256).")
  String wafModuleSha256;

  @Option(
      names = "--istio-token-file",
      descriptionKey = "istio-token-file",
      description =
          "The service account token this node sends istiod for the identities of Istio MeshBridges, read for each request (env MESHGATE_ISTIO_TOKEN_FILE; default: none, so Istio bridges get no identity).")
  Path istioTokenFile;

  @Option(
      names = "--istio-ca-file",
      descriptionKey = "istio-ca-file",
      description =
          "Istio's root certificate (root-cert.pem); istiod's TLS certificate must chain to it, so the token reaches only istiod (env MESHGATE_ISTIO_CA_FILE; required with --istio-token-file).")
  Path istioCaFile;

  @Option(
      names = "--istio-cacerts-dir",
      descriptionKey = "istio-cacerts-dir",
      description =
          "The Istio mesh's plugged-in CA files (ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem, as istiod's cacerts); MeshBridges with ca.istio.pluggedIn get identities this node signs with them (env MESHGATE_ISTIO_CACERTS_DIR; default: none).")
  Path istioCacertsDir;

  @Option(
      names = "--istio-cacerts-namespace",
      descriptionKey = "istio-cacerts-namespace",
      description =
          "The one Istio namespace the plugged-in CA issues identities in (env MESHGATE_ISTIO_CACERTS_NAMESPACE; required with --istio-cacerts-dir).")
  String istioCacertsNamespace;

  @Option(
      names = "--history-limit",
      descriptionKey = "history-limit",
      defaultValue = "10",
      description =
          "Generations kept per resource for history, diff and rollback (env MESHGATE_HISTORY_LIMIT; default ${DEFAULT-VALUE}).")
  int historyLimit;

  @Mixin EtcdLimitOptions etcdLimits;

  private final CountDownLatch stopped = new CountDownLatch(1);

  /** --cert-dirs and --cert-dirs-per-namespace. */
  CertificateDirs certificateDirs() {
    List<Path> dirs = new ArrayList<>();
    for (String dir : certDirs == null ? new String[0] : certDirs.split(",")) {
      if (dir.isBlank()) {
        continue;
      }
      Path path = Path.of(dir.strip());
      if (!path.isAbsolute()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--cert-dirs: " + dir + " (expected: absolute directories)");
      }
      dirs.add(path);
    }
    return certDirsPerNamespace ? CertificateDirs.perNamespace(dirs) : CertificateDirs.shared(dirs);
  }

  private RateLimitSettings rateLimitSettings(Map<String, String> environment) {
    try {
      return RateLimitSettings.of(environment, rlsAddress, rlsEndpoints);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--rls-addr, --rls-endpoints, MESHGATE_REDIS: " + e.getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    try {
      new MeshCaSettings(trustDomain, meshCertTtl);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--trust-domain, --mesh-cert-ttl: " + e.getMessage());
    }
    NodeSettings.Builder builder =
        NodeSettings.builder(
                cluster.kafka,
                cluster.etcd,
                replicaId != null
                    ? replicaId
                    : InetAddress.getLocalHost().getHostName()
                        + ":"
                        + NodeSettings.address(xdsAddress).getPort())
            .kafkaClient(cluster.kafkaClient())
            .xdsAddress(NodeSettings.address(xdsAddress))
            .adminAddress(NodeSettings.address(adminAddress))
            .security(
                XdsSecurity.of(
                    Optional.ofNullable(tlsCert),
                    Optional.ofNullable(tlsKey),
                    Optional.ofNullable(clientCa),
                    Optional.ofNullable(allowAnonymous),
                    NodeSettings.address(xdsAddress)))
            .limits(
                new ServingLimits(
                    newStreamsPerSecond,
                    maxStreams,
                    maxConnectionAge,
                    ServingLimits.DEFAULTS.shutdownGrace()))
            .historyLimit(historyLimit)
            .tokenMaxTtl(tokenMaxTtl)
            .registrationTtl(registrationTtl)
            .trustDomain(trustDomain)
            .meshCertTtl(meshCertTtl)
            .meshDefaultPermission(meshDefaultPermission)
            .etcdLimits(etcdLimits.limits())
            .etcdConnection(cluster.etcdConnection())
            .certificateDirs(certificateDirs());
    if (sealKey != null) {
      builder.sealKey(sealKey);
    }
    if (adminTokenFile != null) {
      builder.adminTokenFile(adminTokenFile);
    }
    try {
      if ("off".equals(adminGrpcAddress)) {
        builder.noAdminGrpc();
      } else if (adminGrpcAddress != null) {
        builder.adminGrpcAddress(NodeSettings.address(adminGrpcAddress));
      }
      if (adminAdvertise != null) {
        builder.adminAdvertise(adminAdvertise);
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--admin-grpc-addr, --admin-advertise: " + e.getMessage());
    }
    if ((istioTokenFile == null) != (istioCaFile == null)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--istio-token-file and --istio-ca-file go together (MESHGATE_ISTIO_TOKEN_FILE,"
              + " MESHGATE_ISTIO_CA_FILE): the token goes only to an istiod that proves itself"
              + " with Istio's root");
    }
    if (istioTokenFile != null) {
      builder.istio(new IstioAccess(istioTokenFile, istioCaFile));
    }
    if ((istioCacertsDir == null) != (istioCacertsNamespace == null)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--istio-cacerts-dir and --istio-cacerts-namespace go together"
              + " (MESHGATE_ISTIO_CACERTS_DIR, MESHGATE_ISTIO_CACERTS_NAMESPACE): the namespace"
              + " bounds which Istio identities this node may sign");
    }
    if (istioCacertsDir != null) {
      try {
        builder.istioPluggedCa(new IstioPluggedCa(istioCacertsDir, istioCacertsNamespace));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--istio-cacerts-namespace: " + e.getMessage());
      }
    }
    try {
      WafModule.of(wafModuleUrl, wafModuleSha256).ifPresent(builder::wafModule);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    // Consul and Nomad are configured as HashiCorp's own tools are: CONSUL_*, NOMAD_*.
    builder.rateLimit(rateLimitSettings(System.getenv()));
    ConsulSettings.fromEnvironment(System.getenv()).ifPresent(builder::consul);
    NomadSettings.fromEnvironment(System.getenv()).ifPresent(builder::nomad);
    Optional.ofNullable(System.getenv("MESHGATE_DNS_SERVERS"))
        .filter(v -> !v.isBlank())
        .ifPresent(builder::dnsServers);
    try {
      BodyTransformation.addressFromEnvironment(System.getenv()).ifPresent(builder::bodyTransform);
      builder.signatures(SignatureSettings.fromEnvironment(System.getenv()));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    NodeSettings settings = builder.build();
    log.info(
        "meshgate node {} starting: kafka={} etcd={} replica-id={} xds={} admin={}",
        VersionProvider.version(),
        NodeSettings.redacted(settings.kafka()),
        NodeSettings.redacted(settings.etcd()),
        settings.replicaId(),
        xdsAddress,
        adminAddress);
    XdsNode node = XdsNode.start(settings);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("meshgate node {} stopping", settings.replicaId());
                  node.close();
                  stopped.countDown();
                },
                "node-shutdown"));
    spec.commandLine()
        .getOut()
        .println(
            "meshgate node "
                + settings.replicaId()
                + " is applying events from "
                + NodeSettings.redacted(settings.kafka())
                + " to "
                + NodeSettings.redacted(settings.etcd())
                + " and serving xDS on "
                + node.xdsAddress()
                + " (admin "
                + node.adminAddress()
                + node.adminGrpcAddress().map(a -> ", CSDS " + a).orElse("")
                + ")");
    spec.commandLine().getOut().flush();
    stopped.await();
    return Meshgate.EXIT_OK;
  }
}
