package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.apply.EtcdLimits;
import io.meshgate.config.apply.Planner;
import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.config.store.EtcdConnection;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.discovery.nomad.NomadSettings;
import io.meshgate.meshbridge.meshca.MeshCaSettings;
import io.meshgate.xds.identity.IstioAccess;
import io.meshgate.xds.identity.IstioPluggedCa;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.pipeline.Holdoff;
import io.meshgate.xds.register.RegistrationService;
import io.meshgate.xds.resolve.EdgeServices;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.WafModule;
import io.meshgate.xds.security.TokenIssuer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One replica's settings. Build them with {@link #builder}: every setting but the three that name
 * the replica and its services has a default.
 *
 * @param kafka Kafka's bootstrap servers, comma-separated
 * @param kafkaClient Kafka client properties (security, SASL, TLS) for the applier's clients
 *     (default: none, PLAINTEXT)
 * @param etcd etcd's endpoints, comma-separated
 * @param replicaId names this replica in etcd and in Kafka's consumer group
 * @param xdsAddress where ADS is served (default 127.0.0.1:18000)
 * @param adminAddress where /healthz, /readyz and /debug are served (default 127.0.0.1:19000)
 * @param quiet the holdoff's quiet time before a rebuild
 * @param max the holdoff's longest delay under a stream of changes
 * @param security TLS and proxy credentials on the xDS port (default: plaintext, anonymous streams
 *     allowed only when the xDS address is a loopback one)
 * @param sealKey the cluster's private seal key (PEM file), to unseal listener certificates; empty:
 *     listeners with sealed certificates are left out, with a Problem
 * @param limits stream admission, connection age and shutdown grace
 * @param historyLimit generations kept per resource by this replica's applier
 * @param tokenMaxTtl proxy tokens whose lifetime is longer are refused
 * @param etcdLimits what etcd takes in one transaction, as its --max-txn-ops and
 *     --max-request-bytes
 * @param etcdConnection how the replica's etcd client connects (default: {@code etcd} in plaintext,
 *     anonymous); its endpoints are {@code etcd}'s
 * @param certificateDirs where certificate File references may be read from (default: nowhere, so
 *     every File reference is RefNotPermitted)
 * @param adminTokenFile a file whose one line is the bearer token {@code /debug} requires (default:
 *     none, allowed only when the admin address is a loopback one); the path, never the token
 * @param consul where Backends' Consul services are watched ({@code CONSUL_HTTP_ADDR} and the other
 *     {@code CONSUL_*} settings; default: none, so such Backends get no endpoints)
 * @param nomad where Backends' Nomad services are watched ({@code NOMAD_ADDR} and the other {@code
 *     NOMAD_*} settings; default: none)
 * @param dnsServers the nameservers DNS Backends are resolved with ({@code MESHGATE_DNS_SERVERS},
 *     {@code host:port,...}; default: this machine's /etc/resolv.conf)
 * @param registrationTtl the lease of a Workload an agent registers through this node: an agent
 *     silent this long is gone ({@code MESHGATE_REGISTRATION_TTL}; default 15 s)
 * @param meshCa the mesh CA's trust domain ({@code MESHGATE_TRUST_DOMAIN}; default {@code
 *     meshgate.local}) and leaf lifetime ({@code MESHGATE_MESH_CERT_TTL}; default 24 h, at least 10
 *     min); the CA runs only on a replica with a seal key
 * @param meshDefaultPermission who may call an in-mesh Backend that no Allow permission targets
 *     ({@code MESHGATE_MESH_DEFAULT_PERMISSION}; default DENY)
 * @param istio the token and Istio root this node asks istiod with for Istio MeshBridges ({@code
 *     MESHGATE_ISTIO_TOKEN_FILE}, {@code MESHGATE_ISTIO_CA_FILE}; default: none, so Istio bridges
 *     get no identity)
 * @param istioPluggedCa the Istio plugged-in CA files this node signs Istio bridges' identities
 *     with, and the Istio namespace it may issue in ({@code MESHGATE_ISTIO_CACERTS_DIR}, {@code
 *     MESHGATE_ISTIO_CACERTS_NAMESPACE}; default: none)
 * @param rateLimit the global rate limit service this node runs ({@code MESHGATE_RLS_ADDR},
 *     counters in {@code MESHGATE_REDIS}) and where Envoy reaches one ({@code
 *     MESHGATE_RLS_ENDPOINTS}); default: none
 * @param wafModule the WAF's wasm module Envoys load ({@code MESHGATE_WAF_MODULE_URL}, {@code
 *     MESHGATE_WAF_MODULE_SHA256}; default: none, and a SecurityPolicy's waf fails closed)
 * @param bodyTransformAddress where the body transformation service listens ({@link
 *     BodyTransformation}); empty: not started
 * @param signatures the HMAC signature service ({@code MESHGATE_AUTHZ_ADDR}) and the Redis of its
 *     nonces
 * @param adminGrpcAddress where Envoy's Client Status Discovery Service is served ({@code
 *     MESHGATE_ADMIN_GRPC_ADDR}; default: the admin address's host and the next port, so
 *     127.0.0.1:19001; empty: off); off loopback it needs the admin token, as /debug does
 * @param adminAdvertise the admin HTTP address this replica writes into its member key for {@code
 *     meshgate proxy-status} ({@code MESHGATE_ADMIN_ADVERTISE}, {@code host:port}; default: the
 *     admin address it binds)
 */
public record NodeSettings(
    String kafka,
    KafkaClientConfig kafkaClient,
    String etcd,
    String replicaId,
    InetSocketAddress xdsAddress,
    InetSocketAddress adminAddress,
    Duration quiet,
    Duration max,
    XdsSecurity security,
    Optional<Path> sealKey,
    ServingLimits limits,
    int historyLimit,
    EtcdLimits etcdLimits,
    EtcdConnection etcdConnection,
    CertificateDirs certificateDirs,
    Duration tokenMaxTtl,
    Optional<Path> adminTokenFile,
    Optional<ConsulSettings> consul,
    Optional<NomadSettings> nomad,
    Optional<String> dnsServers,
    Duration registrationTtl,
    MeshCaSettings meshCa,
    MeshSettings.DefaultPermission meshDefaultPermission,
    Optional<IstioAccess> istio,
    Optional<IstioPluggedCa> istioPluggedCa,
    RateLimitSettings rateLimit,
    Optional<WafModule> wafModule,
    Optional<InetSocketAddress> bodyTransformAddress,
    SignatureSettings signatures,
    Optional<InetSocketAddress> adminGrpcAddress,
    Optional<String> adminAdvertise) {
  public NodeSettings {
    requireNonNull(adminGrpcAddress, "adminGrpcAddress");
    requireNonNull(adminAdvertise, "adminAdvertise");
    requireNonNull(signatures, "signatures");
    requireNonNull(rateLimit, "rateLimit");
    requireNonNull(wafModule, "wafModule");
    requireNonNull(bodyTransformAddress, "bodyTransformAddress");
    requireNonNull(istio, "istio");
    requireNonNull(istioPluggedCa, "istioPluggedCa");
    requireNonNull(meshDefaultPermission, "meshDefaultPermission");
    requireNonNull(registrationTtl, "registrationTtl");
    requireNonNull(meshCa, "meshCa");
    requireNonNull(dnsServers, "dnsServers");
    requireNonNull(consul, "consul");
    requireNonNull(nomad, "nomad");
    requireNonNull(adminTokenFile, "adminTokenFile");
    requireNonNull(tokenMaxTtl, "tokenMaxTtl");
    requireNonNull(kafka, "kafka");
    requireNonNull(kafkaClient, "kafkaClient");
    requireNonNull(etcd, "etcd");
    requireNonNull(replicaId, "replicaId");
    requireNonNull(xdsAddress, "xdsAddress");
    requireNonNull(adminAddress, "adminAddress");
    requireNonNull(quiet, "quiet");
    requireNonNull(max, "max");
    requireNonNull(security, "security");
    requireNonNull(sealKey, "sealKey");
    requireNonNull(limits, "limits");
    requireNonNull(etcdLimits, "etcdLimits");
    requireNonNull(etcdConnection, "etcdConnection");
    requireNonNull(certificateDirs, "certificateDirs");
    if (!etcdConnection.endpoints().equals(EtcdConnection.parse(etcd))) {
      throw new IllegalArgumentException(
          "etcdConnection: "
              + etcdConnection.endpointList()
              + " (expected: the endpoints of etcd, "
              + etcd
              + ")");
    }
    if (historyLimit < 1) {
      throw new IllegalArgumentException("historyLimit: " + historyLimit + " (expected: >= 1)");
    }
  }

  /** Settings for the replica {@code replicaId} of the Kafka and etcd at these addresses. */
  public static Builder builder(String kafka, String etcd, String replicaId) {
    return new Builder(kafka, etcd, replicaId);
  }

  /** The settings with their defaults; each setter replaces one. */
  public static final class Builder {
    private final String kafka;
    private KafkaClientConfig kafkaClient = KafkaClientConfig.none();
    private final String etcd;
    private final String replicaId;
    private InetSocketAddress xdsAddress = new InetSocketAddress("127.0.0.1", 18000);
    private InetSocketAddress adminAddress = new InetSocketAddress("127.0.0.1", 19000);
    private Duration quiet = Holdoff.DEFAULT_QUIET;
    private Duration max = Holdoff.DEFAULT_MAX;
    private XdsSecurity security;
    private Path sealKey;
    private ServingLimits limits = ServingLimits.DEFAULTS;
    private int historyLimit = Planner.DEFAULT_HISTORY;
    private EtcdLimits etcdLimits = EtcdLimits.defaults();
    private Duration tokenMaxTtl = TokenIssuer.DEFAULT_MAX_TTL;
    private CertificateDirs certificateDirs = CertificateDirs.none();
    private EtcdConnection etcdConnection;
    private Path adminTokenFile;
    private ConsulSettings consul;
    private IstioAccess istio;
    private IstioPluggedCa istioPluggedCa;
    private NomadSettings nomad;
    private String dnsServers;
    private Duration registrationTtl = RegistrationService.DEFAULT_TTL;
    private String trustDomain = MeshCaSettings.DEFAULT_TRUST_DOMAIN;
    private Duration meshCertTtl = MeshCaSettings.DEFAULT_LEAF_TTL;
    private MeshSettings.DefaultPermission meshDefaultPermission =
        MeshSettings.DefaultPermission.DENY;
    private RateLimitSettings rateLimit = RateLimitSettings.OFF;
    private WafModule wafModule;
    private InetSocketAddress bodyTransformAddress;
    private SignatureSettings signatures = SignatureSettings.fromEnvironment(Map.of());

    /** Null: the admin address's host and the next port ({@link #adminGrpcNextTo}). */
    private @Nullable Optional<InetSocketAddress> adminGrpcAddress;

    private String adminAdvertise;

    private Builder(String kafka, String etcd, String replicaId) {
      this.kafka = requireNonNull(kafka, "kafka");
      this.etcd = requireNonNull(etcd, "etcd");
      this.replicaId = requireNonNull(replicaId, "replicaId");
    }

    /** Kafka client properties from {@code MESHGATE_KAFKA_CONFIG}. */
    public Builder kafkaClient(KafkaClientConfig kafkaClient) {
      this.kafkaClient = requireNonNull(kafkaClient, "kafkaClient");
      return this;
    }

    public Builder xdsAddress(InetSocketAddress address) {
      this.xdsAddress = requireNonNull(address, "address");
      return this;
    }

    public Builder adminAddress(InetSocketAddress address) {
      this.adminAddress = requireNonNull(address, "address");
      return this;
    }

    /** Both on loopback, on ports the system picks: for tests and several replicas on one host. */
    public Builder anyLoopbackPorts() {
      return xdsAddress(new InetSocketAddress("127.0.0.1", 0))
          .adminAddress(new InetSocketAddress("127.0.0.1", 0));
    }

    /** Where CSDS is served ({@code MESHGATE_ADMIN_GRPC_ADDR}). */
    public Builder adminGrpcAddress(InetSocketAddress address) {
      this.adminGrpcAddress = Optional.of(requireNonNull(address, "address"));
      return this;
    }

    /** CSDS is not served ({@code MESHGATE_ADMIN_GRPC_ADDR=off}). */
    public Builder noAdminGrpc() {
      this.adminGrpcAddress = Optional.empty();
      return this;
    }

    /** The admin address other machines reach ({@code MESHGATE_ADMIN_ADVERTISE}, host:port). */
    public Builder adminAdvertise(String hostPort) {
      address(requireNonNull(hostPort, "hostPort"));
      this.adminAdvertise = hostPort;
      return this;
    }

    public Builder holdoff(Duration quiet, Duration max) {
      this.quiet = requireNonNull(quiet, "quiet");
      this.max = requireNonNull(max, "max");
      return this;
    }

    public Builder security(XdsSecurity security) {
      this.security = requireNonNull(security, "security");
      return this;
    }

    public Builder sealKey(Path sealKey) {
      this.sealKey = requireNonNull(sealKey, "sealKey");
      return this;
    }

    public Builder limits(ServingLimits limits) {
      this.limits = requireNonNull(limits, "limits");
      return this;
    }

    public Builder historyLimit(int historyLimit) {
      this.historyLimit = historyLimit;
      return this;
    }

    /** Proxy tokens that live longer are refused (default 24 h). */
    public Builder tokenMaxTtl(Duration tokenMaxTtl) {
      this.tokenMaxTtl = requireNonNull(tokenMaxTtl, "tokenMaxTtl");
      return this;
    }

    public Builder etcdLimits(EtcdLimits etcdLimits) {
      this.etcdLimits = requireNonNull(etcdLimits, "etcdLimits");
      return this;
    }

    /** TLS and an etcd user for the replica's etcd client, on the same endpoints. */
    public Builder etcdConnection(EtcdConnection etcdConnection) {
      this.etcdConnection = requireNonNull(etcdConnection, "etcdConnection");
      return this;
    }

    /** The directories certificate files may be read from ({@code --cert-dirs}). */
    public Builder certificateDirs(CertificateDirs certificateDirs) {
      this.certificateDirs = requireNonNull(certificateDirs, "certificateDirs");
      return this;
    }

    /** How this node asks istiod for Istio bridges' identities. */
    public Builder istio(IstioAccess istio) {
      this.istio = requireNonNull(istio, "istio");
      return this;
    }

    /** The Istio plugged-in CA files this node signs Istio bridges' identities with. */
    public Builder istioPluggedCa(IstioPluggedCa pluggedCa) {
      this.istioPluggedCa = requireNonNull(pluggedCa, "pluggedCa");
      return this;
    }

    /** Where Consul services are watched ({@code CONSUL_HTTP_ADDR}, {@code CONSUL_*}). */
    public Builder consul(ConsulSettings consul) {
      this.consul = requireNonNull(consul, "consul");
      return this;
    }

    /** Where Nomad services are watched ({@code NOMAD_ADDR}, {@code NOMAD_*}). */
    public Builder nomad(NomadSettings nomad) {
      this.nomad = requireNonNull(nomad, "nomad");
      return this;
    }

    /** The nameservers DNS Backends are resolved with ({@code MESHGATE_DNS_SERVERS}). */
    public Builder dnsServers(String dnsServers) {
      this.dnsServers = requireNonNull(dnsServers, "dnsServers");
      return this;
    }

    /** The lease of registered Workloads ({@code MESHGATE_REGISTRATION_TTL}). */
    public Builder registrationTtl(Duration registrationTtl) {
      this.registrationTtl = requireNonNull(registrationTtl, "registrationTtl");
      return this;
    }

    /** The mesh CA's trust domain ({@code MESHGATE_TRUST_DOMAIN}), checked by {@link #build}. */
    public Builder trustDomain(String trustDomain) {
      this.trustDomain = requireNonNull(trustDomain, "trustDomain");
      return this;
    }

    /** The lifetime of mesh leaf certificates ({@code MESHGATE_MESH_CERT_TTL}), at least 10 min. */
    public Builder meshCertTtl(Duration meshCertTtl) {
      this.meshCertTtl = requireNonNull(meshCertTtl, "meshCertTtl");
      return this;
    }

    /** Who may call an unpermitted in-mesh Backend ({@code MESHGATE_MESH_DEFAULT_PERMISSION}). */
    public Builder meshDefaultPermission(MeshSettings.DefaultPermission meshDefaultPermission) {
      this.meshDefaultPermission = requireNonNull(meshDefaultPermission, "meshDefaultPermission");
      return this;
    }

    /** The rate limit service this node runs, and where Envoy reaches one (default: off). */
    public Builder rateLimit(RateLimitSettings rateLimit) {
      this.rateLimit = requireNonNull(rateLimit, "rateLimit");
      return this;
    }

    /** The WAF's wasm module ({@code MESHGATE_WAF_MODULE_URL}, {@code _SHA256}). */
    public Builder wafModule(WafModule wafModule) {
      this.wafModule = requireNonNull(wafModule, "wafModule");
      return this;
    }

    /**
     * The HMAC signature service ({@code MESHGATE_AUTHZ_ADDR}, its Redis; default: on the default
     * address, started at the first policy that asks for signatures).
     */
    public Builder signatures(SignatureSettings signatures) {
      this.signatures = requireNonNull(signatures, "signatures");
      return this;
    }

    /** Runs the body transformation service there ({@code MESHGATE_EXTPROC_ADDR}). */
    public Builder bodyTransform(InetSocketAddress address) {
      this.bodyTransformAddress = requireNonNull(address, "address");
      return this;
    }

    /** The file holding the admin bearer token ({@code MESHGATE_ADMIN_TOKEN_FILE}). */
    public Builder adminTokenFile(Path adminTokenFile) {
      this.adminTokenFile = requireNonNull(adminTokenFile, "adminTokenFile");
      return this;
    }

    public NodeSettings build() {
      XdsSecurity chosen =
          security != null
              ? security
              : XdsSecurity.plaintext(
                  xdsAddress.getAddress() != null && xdsAddress.getAddress().isLoopbackAddress());
      return new NodeSettings(
          kafka,
          kafkaClient,
          etcd,
          replicaId,
          xdsAddress,
          adminAddress,
          quiet,
          max,
          chosen,
          Optional.ofNullable(sealKey),
          limits,
          historyLimit,
          etcdLimits,
          etcdConnection != null ? etcdConnection : EtcdConnection.plaintext(etcd),
          certificateDirs,
          tokenMaxTtl,
          Optional.ofNullable(adminTokenFile),
          Optional.ofNullable(consul),
          Optional.ofNullable(nomad),
          Optional.ofNullable(dnsServers),
          registrationTtl,
          new MeshCaSettings(trustDomain, meshCertTtl),
          meshDefaultPermission,
          Optional.ofNullable(istio),
          Optional.ofNullable(istioPluggedCa),
          rateLimit,
          Optional.ofNullable(wafModule),
          Optional.ofNullable(bodyTransformAddress),
          signatures,
          adminGrpcAddress != null ? adminGrpcAddress : Optional.of(adminGrpcNextTo(adminAddress)),
          Optional.ofNullable(adminAdvertise));
    }
  }

  /**
   * CSDS's default address: the admin HTTP's host and the next port (127.0.0.1:19000 gives
   * 127.0.0.1:19001), an ephemeral one when the admin port is (0: tests and several replicas on one
   * host), so one setting places both and they need the token alike.
   */
  public static InetSocketAddress adminGrpcNextTo(InetSocketAddress admin) {
    int port = admin.getPort() == 0 ? 0 : admin.getPort() + 1;
    return admin.getAddress() != null
        ? new InetSocketAddress(admin.getAddress(), port)
        : new InetSocketAddress(admin.getHostString(), port);
  }

  /** Kafka and etcd addresses as logged: a password in a URL's user info becomes {@code ***}. */
  public static String redacted(String addresses) {
    return addresses.replaceAll("//([^:/@,]+):[^@/,]*@", "//$1:***@");
  }

  /** {@code host:port} → an address; {@code :port} means 127.0.0.1. */
  public static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("address: '" + hostPort + "' (expected: host:port)");
    }
    String host = colon == 0 ? "127.0.0.1" : hostPort.substring(0, colon);
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    return new InetSocketAddress(host, port);
  }

  /**
   * What translation needs of the mesh: the trust domain, the default permission, where Envoy
   * reaches meshgate's edge services, and the WAF module.
   */
  public MeshSettings mesh() {
    return new MeshSettings(
        meshCa.trustDomain(),
        meshDefaultPermission,
        bodyTransformAddress
            .filter(a -> a.getAddress() != null && !a.getAddress().isAnyLocalAddress())
            .filter(a -> a.getPort() > 0)
            .map(a -> new EdgeServices.Address(a.getAddress().getHostAddress(), a.getPort()))
            .map(EdgeServices.DEFAULTS::withExtProc)
            .orElse(EdgeServices.DEFAULTS)
            .withRateLimit(rateLimit.envoyEndpoints())
            .withAuthz(signatures.envoyAddress()),
        wafModule.orElse(null));
  }
}
