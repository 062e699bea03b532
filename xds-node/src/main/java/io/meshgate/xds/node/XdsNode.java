package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.etcd.jetcd.Client;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.config.apply.Applier;
import io.meshgate.config.apply.ApplierSettings;
import io.meshgate.config.apply.Planner;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.store.ConfigView;
import io.meshgate.config.store.Keyspace;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.discovery.RegistrationView;
import io.meshgate.discovery.consul.ConsulClient;
import io.meshgate.discovery.dns.DnsResolver;
import io.meshgate.discovery.nomad.NomadClient;
import io.meshgate.edge.ServiceHealth;
import io.meshgate.edge.ratelimit.RateLimitConfig;
import io.meshgate.meshbridge.consul.AgentServices;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.meshca.MeshCaRoots;
import io.meshgate.meshbridge.meshca.MeshCaSource;
import io.meshgate.xds.identity.BridgeSources;
import io.meshgate.xds.identity.BridgeTokens;
import io.meshgate.xds.identity.IdentityService;
import io.meshgate.xds.issuers.IssuerDiscovery;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.metrics.NodeMetrics;
import io.meshgate.xds.pipeline.AppliedRecords;
import io.meshgate.xds.pipeline.Pipeline;
import io.meshgate.xds.register.ConsulGatewayRegistrations;
import io.meshgate.xds.register.RegistrationService;
import io.meshgate.xds.register.RegistrationStore;
import io.meshgate.xds.register.SidecarRegistrations;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.security.TokenKeysView;
import io.meshgate.xds.security.TokenVerifier;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.serve.ClientStatusService;
import io.meshgate.xds.serve.StreamAdmission;
import io.meshgate.xds.serve.StreamEvents;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.status.AckReporter;
import io.meshgate.xds.status.Leadership;
import io.meshgate.xds.status.SharedRejections;
import io.meshgate.xds.status.StatusWriter;
import io.meshgate.xds.trace.ApplySpans;
import io.meshgate.xds.trace.ReplicaSpans;
import io.meshgate.xds.trace.Tracing;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One xds-node replica: the applier (Kafka → etcd), the read view (etcd → config snapshots), the
 * pipeline (config → group snapshots), the ADS server and the admin endpoints. Every replica is
 * equal; replicas at the same etcd revision serve identical versions.
 */
public final class XdsNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsNode.class);

  private final Client etcd;
  private final Applier applier;
  private final SnapshotStore store = new SnapshotStore();
  private final Pipeline pipeline;
  private final Optional<SignatureService> signatures;
  private final EndpointDiscovery discovery;
  private final ConfigView view;

  /** The events applied while this replica runs, by etcd revision (convergence, traces). */
  private final AppliedRecords applied;

  private final TokenKeysView tokenKeys;
  private final AdsService ads;
  private final RegistrationService registrations;
  private final IdentityService identities;
  private final RegistrationView registered;
  private final SidecarRegistrations sidecars;
  private final ConsulGatewayRegistrations consulGateways;
  private final Server xds;
  private final AdminServer admin;
  private final Optional<AdminGrpc> adminGrpc;
  private final ServingLimits limits;
  private final EtcdHealth etcdHealth;
  private final Leadership leadership;
  private final StatusWriter status;
  private final AckReporter acks;
  private final Tracing tracing;
  private final SharedRejections rejections;
  private final Optional<MeshCaSource> meshCa;
  private final BridgeSources bridgeSources;
  private final Optional<RateLimitServer> rateLimits;
  private final Optional<BodyTransformation> bodyTransformation;

  /** Every meter of this replica, served on the admin port's /metrics. */
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private final NodeMetrics metrics;

  /** Ends streams whose proxy token stopped being valid, every second. */
  private final ScheduledExecutorService credentialSweep =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "meshgate-credential-sweep");
            t.setDaemon(true);
            return t;
          });

  private XdsNode(NodeSettings settings, boolean runApplier, Tracing tracing) {
    this.tracing = requireNonNull(tracing, "tracing");
    if (tracing.on()) {
      log.info("tracing config events with OpenTelemetry (OTEL_* settings; docs/tracing.md)");
    }
    Optional<AdminToken> adminToken = adminToken(settings);
    StartWarnings.of(settings).forEach(log::warn);
    this.etcd = settings.etcdConnection().connect();
    this.applied = AppliedRecords.open(etcd);
    this.metrics =
        NodeMetrics.register(registry, applied, store, () -> meshCa().map(MeshCaSource::roots));
    this.applier =
        runApplier
            ? new Applier(
                ApplierSettings.defaults(settings.kafka(), settings.replicaId())
                    .withKafkaClient(settings.kafkaClient()),
                etcd,
                new Planner(
                    Clock.systemUTC(),
                    () -> UUID.randomUUID().toString(),
                    settings.historyLimit(),
                    settings.etcdLimits()),
                tracing.on()
                    ? new ApplySpans(tracing).andThen(metrics.applier())
                    : metrics.applier())
            : null;
    this.meshCa = meshCa(settings, etcd);
    // The mesh CA, where this replica runs one: Envoys' identities and proxyless services' CSRs.
    Optional<IdentitySource> source = meshCa.map(IdentitySource.class::cast);
    // The CAs of the meshes MeshBridges join, reached with this node's Consul TLS files and token.
    BridgeTokens bridgeTokens = new BridgeTokens(unsealer(settings));
    this.bridgeSources =
        BridgeSources.of(
            settings.consul(), settings.istio(), settings.istioPluggedCa(), bridgeTokens);
    KeyLoader keys = keyLoader(settings);
    this.pipeline =
        new Pipeline(
            store,
            settings.quiet(),
            settings.max(),
            keys,
            settings.mesh(),
            source,
            bridgeSources,
            // OIDC issuers' discovery documents and remote JWT key sets, with the JDK's trust store
            // (or the CA a key set's provider names).
            IssuerDiscovery.start(IssuerDiscovery.Settings.DEFAULTS));
    pipeline.metrics(metrics.pipeline());
    this.signatures =
        SignatureService.attach(settings.signatures(), keys, pipeline, Clock.systemUTC());
    XdsSecurity security = settings.security();
    // Watched, so a key deleted by 'token rotate-key --revoke' is refused within a second.
    this.tokenKeys = TokenKeysView.open(etcd);
    TokenCheck tokens =
        TokenCheck.of(new TokenVerifier(tokenKeys, Clock.systemUTC(), settings.tokenMaxTtl()));
    this.limits = settings.limits();
    this.rejections = SharedRejections.start(etcd, settings.replicaId(), Clock.systemUTC());
    this.ads =
        new AdsService(
            store,
            new Authorizer(tokens, security.allowAnonymous()),
            new StreamAdmission(limits.newStreamsPerSecond(), limits.maxStreams()),
            rejections.rejections());
    this.registrations =
        new RegistrationService(
            new RegistrationStore(etcd),
            new Authorizer(tokens, security.allowAnonymous()),
            // Budgets of their own: a storm of agents never takes the proxies' places.
            new StreamAdmission(limits.newStreamsPerSecond(), limits.maxStreams()),
            Clock.systemUTC(),
            settings.replicaId(),
            settings.registrationTtl());
    this.identities =
        new IdentityService(
            source,
            new Authorizer(tokens, security.allowAnonymous()),
            new StreamAdmission(limits.newStreamsPerSecond(), limits.maxStreams()));
    this.sidecars =
        new SidecarRegistrations(
            new RegistrationStore(etcd),
            this::currentConfig,
            Clock.systemUTC(),
            settings.replicaId(),
            settings.registrationTtl());
    this.consulGateways =
        new ConsulGatewayRegistrations(
            settings.consul(),
            this::currentConfig,
            AgentServices::new,
            settings.replicaId(),
            ConsulGatewayRegistrations.DEFAULT_TTL,
            bridgeTokens);
    List<StreamEvents> streamEvents = new ArrayList<>(List.of(sidecars, consulGateways));
    if (tracing.on()) {
      ReplicaSpans spans =
          new ReplicaSpans(
              tracing, applied::between, pipeline::buildStartedNanos, Clock.systemUTC());
      pipeline.onBuilt(spans);
      streamEvents.add(spans);
    }
    ads.streamEvents(StreamEvents.all(streamEvents));
    ads.metrics(metrics.serve());
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(settings.xdsAddress())
              .addService(ServerInterceptors.intercept(ads, new ProxyAuthenticator()))
              // VMs' agents register on the xDS port, authenticated as proxies are.
              .addService(ServerInterceptors.intercept(registrations, new ProxyAuthenticator()))
              // Proxyless services' agents fetch their identities there too.
              .addService(ServerInterceptors.intercept(identities, new ProxyAuthenticator()))
              // For Consul's, Nomad's and Kubernetes' gRPC checks: SERVING while the port takes
              // streams (readiness is /readyz); no credential, as an orchestrator has none.
              .addService(
                  new ServiceHealth(
                      Map.of(
                          "", () -> true, AggregatedDiscoveryServiceGrpc.SERVICE_NAME, () -> true)))
              // grpc-java adds ±10 % jitter to the age, so proxies do not all reconnect at once.
              .maxConnectionAge(limits.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
              .maxConnectionAgeGrace(limits.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
      if (security.tls()) {
        SslContextBuilder tls =
            GrpcSslContexts.forServer(
                security.certificate().get().toFile(), security.privateKey().get().toFile());
        if (security.clientCa().isPresent()) {
          // OPTIONAL: a proxy may present a token instead; the Authorizer refuses streams with
          // neither.
          tls.trustManager(security.clientCa().get().toFile()).clientAuth(ClientAuth.OPTIONAL);
        }
        builder.sslContext(tls.build());
      }
      this.xds = builder.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve xDS on " + settings.xdsAddress(), e);
    }
    this.etcdHealth = new EtcdHealth(etcd, Duration.ofSeconds(1));
    this.admin =
        new AdminServer(settings.adminAddress(), this::notReadyReason, store, ads, adminToken);
    admin.serveProxies(
        new ProxyPages(
            settings.replicaId(), ads::streams, store, pipeline::lastResolved, Clock.systemUTC()));
    this.adminGrpc =
        settings
            .adminGrpcAddress()
            .map(at -> new AdminGrpc(at, new ClientStatusService(ads::streams, store), adminToken));
    this.leadership =
        new Leadership(etcd, Keyspace.LEADER, settings.replicaId(), LEADER_TTL).start();
    this.status = new StatusWriter(etcd, leadership, Clock.systemUTC());
    pipeline.onBuilt(status::offer);
    this.rateLimits = RateLimitServer.start(settings.rateLimit(), pipeline);
    this.bodyTransformation =
        settings.bodyTransformAddress().map(at -> BodyTransformation.start(at, pipeline));
    this.discovery =
        new EndpointDiscovery(
            new EndpointDiscovery.Clients(
                settings.consul().map(ConsulClient::of).orElse(null),
                settings.nomad().map(NomadClient::of).orElse(null),
                settings
                    .dnsServers()
                    .map(DnsResolver::fromServerList)
                    .orElseGet(DnsResolver::system)),
            pipeline::accept,
            Clock.systemUTC());
    discovery.onSync(metrics.discovery());
    this.acks =
        new AckReporter(
            etcd,
            settings.replicaId(),
            store,
            ads.groupStatuses(),
            pipeline::builtRevision,
            discovery::sources,
            Duration.ofMillis(500),
            Duration.ofSeconds(10),
            advertised(settings, admin.address(), adminGrpc.map(AdminGrpc::address)));
    settings.consul().ifPresent(c -> log.info("watching Consul services at {}", c));
    settings.nomad().ifPresent(n -> log.info("watching Nomad services at {}", n));
    // Discovery first: a new Consul Backend's pending state reaches the pipeline before the config
    // that names it, so the build waits for Consul's first answer.
    this.registered = RegistrationView.open(etcd, pipeline::accept);
    admin.serveRegistrations(registered::current);
    admin.serveMetrics(registry::scrape);
    this.view =
        ConfigView.open(
            etcd,
            config -> {
              discovery.configChanged(config);
              bridgeSources.configChanged(config);
              consulGateways.reconcile();
              pipeline.accept(config);
            });
    credentialSweep.scheduleWithFixedDelay(
        () -> {
          int ended =
              ads.endExpiredCredentials(Clock.systemUTC().instant())
                  + registrations.endExpiredCredentials(Clock.systemUTC().instant())
                  + identities.endExpiredCredentials(Clock.systemUTC().instant());
          if (ended > 0) {
            log.info("ended {} streams whose proxy token expired", ended);
          }
          int revoked =
              ads.endRevokedCredentials(tokenKeys::isLive)
                  + registrations.endRevokedCredentials(tokenKeys::isLive)
                  + identities.endRevokedCredentials(tokenKeys::isLive);
          if (revoked > 0) {
            log.info("ended {} streams whose proxy token's signing key was revoked", revoked);
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    if (applier != null) {
      applier.start();
    }
    if (!security.tls() && !settings.xdsAddress().getAddress().isLoopbackAddress()) {
      log.warn(
          "xDS is served in plaintext on {}, a non-loopback address: proxies are not authenticated until TLS is configured",
          settings.xdsAddress());
    }
  }

  /**
   * Read before anything starts: /debug shows every proxy's streams, so off loopback it must not be
   * open to whoever reaches the port.
   */
  private static Optional<AdminToken> adminToken(NodeSettings settings) {
    InetSocketAddress address = settings.adminAddress();
    if (settings.adminTokenFile().isEmpty()) {
      if (address.getAddress() == null || !address.getAddress().isLoopbackAddress()) {
        throw new IllegalStateException(
            "admin address "
                + address
                + " is not a loopback one: set an admin token file (--admin-token-file,"
                + " MESHGATE_ADMIN_TOKEN_FILE) or bind the admin port to 127.0.0.1");
      }
      Optional<InetSocketAddress> grpc = settings.adminGrpcAddress();
      if (grpc.isPresent()
          && (grpc.get().getAddress() == null || !grpc.get().getAddress().isLoopbackAddress())) {
        // CSDS shows what /debug shows, and resources besides.
        throw new IllegalStateException(
            "admin gRPC address "
                + grpc.get()
                + " is not a loopback one: set an admin token file (--admin-token-file,"
                + " MESHGATE_ADMIN_TOKEN_FILE), bind it to 127.0.0.1 or turn it off"
                + " (MESHGATE_ADMIN_GRPC_ADDR=off)");
      }
      return Optional.empty();
    }
    return Optional.of(AdminToken.read(settings.adminTokenFile().get(), log::warn));
  }

  /** The mesh CA, once the constructor has opened it (the metrics ask at each scrape). */
  private Optional<MeshCaSource> meshCa() {
    Optional<MeshCaSource> open = meshCa;
    return open == null ? Optional.empty() : open;
  }

  /**
   * What the member key says of the admin endpoints: the advertised admin address (default: the
   * bound one), and CSDS's port on the advertised host (default: the host it binds).
   */
  static AckReporter.Advertised advertised(
      NodeSettings settings, InetSocketAddress admin, Optional<InetSocketAddress> grpc) {
    String adminAt = settings.adminAdvertise().orElse(hostPort(admin));
    Optional<String> grpcAt =
        grpc.map(
            g ->
                settings
                    .adminAdvertise()
                    .map(a -> NodeSettings.address(a).getHostString() + ":" + g.getPort())
                    .orElse(hostPort(g)));
    return new AckReporter.Advertised(Optional.of(adminAt), grpcAt);
  }

  private static String hostPort(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /** The config as this replica's view holds it; empty until the view is open. */
  private ConfigSnapshot currentConfig() {
    ConfigView open = view;
    return open == null ? ConfigSnapshot.empty() : open.current();
  }

  /** How long a status leader holds its term without renewing it. */
  static final Duration LEADER_TTL = Duration.ofSeconds(5);

  private static KeyLoader keyLoader(NodeSettings settings) {
    if (settings.certificateDirs().isEmpty()) {
      log.info(
          "no cert dirs (MESHGATE_CERT_DIRS): certificate File references are refused (RefNotPermitted)");
    }
    if (settings.sealKey().isEmpty()) {
      log.warn(
          "no seal key (MESHGATE_SEAL_KEY): listeners whose certificates are sealed Secrets are left out");
      return KeyLoader.of(null, settings.certificateDirs());
    }
    try {
      // The retired keys beside it (retired/seal-*.key) still open what was sealed before a
      // rotation.
      return KeyLoader.of(
          Unsealer.readKeyFile(settings.sealKey().get()), settings.certificateDirs());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the seal key " + settings.sealKey().get(), e);
    }
  }

  /** The seal key's unsealer, on a replica that holds the key. */
  private static Optional<Unsealer> unsealer(NodeSettings settings) {
    if (settings.sealKey().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Unsealer.readKeyFile(settings.sealKey().get()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the seal key " + settings.sealKey().get(), e);
    }
  }

  /**
   * The mesh CA, on a replica that holds the seal key: without it no root's key opens. Creates the
   * first root if etcd holds none; the roots are then watched.
   */
  private static Optional<MeshCaSource> meshCa(NodeSettings settings, Client etcd) {
    if (settings.sealKey().isEmpty()) {
      log.warn(
          "no seal key (MESHGATE_SEAL_KEY): the mesh CA does not run on this replica, so the"
              + " Envoys it serves get no mesh identity (Sidecars, Gateways calling in-mesh Backends"
              + " wait for it) and proxyless services get none from it");
      return Optional.empty();
    }
    Path keyFile = settings.sealKey().get();
    Unsealer unsealer;
    Sealer sealer;
    try {
      unsealer = Unsealer.readKeyFile(keyFile);
      // Sealed for this replica's own seal key, as 'token rotate-key' does: the root then opens on
      // every replica started with the cluster's seal key.
      sealer = new Sealer(SealKeys.publicKeyOf(SealKeys.readPrivate(keyFile)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the seal key " + keyFile, e);
    }
    try {
      new MeshCaRoots(etcd, settings.meshCa().trustDomain(), Clock.systemUTC())
          .ensureInitialized(sealer);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // Not fatal: the CA reports itself unavailable, with the reason, until a root reads.
      log.warn("cannot create the first mesh CA root: {}", e.getMessage());
    }
    return Optional.of(MeshCaSource.open(etcd, unsealer, settings.meshCa()));
  }

  /** A full replica: applier, view, pipeline, ADS and admin. */
  public static XdsNode start(NodeSettings settings) {
    return start(settings, Tracing.fromEnvironment());
  }

  /** A full replica tracing with {@code tracing} (tests: an in-memory exporter); it closes it. */
  public static XdsNode start(NodeSettings settings, Tracing tracing) {
    return new XdsNode(requireNonNull(settings, "settings"), true, tracing);
  }

  /** Serving only, without an applier (tests that run several replicas on one etcd). */
  public static XdsNode startServingOnly(NodeSettings settings) {
    return new XdsNode(requireNonNull(settings, "settings"), false, Tracing.fromEnvironment());
  }

  /**
   * Ready once the first full load from etcd has been translated into snapshots, while etcd answers
   * and while Kafka accepts the applier's credentials. Not ready is not down: proxies keep being
   * served the current snapshots.
   */
  public boolean ready() {
    return notReadyReason().isEmpty();
  }

  /** Why this replica is not {@link #ready()}; empty when it is. */
  public Optional<String> notReadyReason() {
    if (pipeline.builtRevision() < 0) {
      return Optional.of("the first load from etcd is not translated yet");
    }
    if (!etcdHealth.reachable()) {
      return Optional.of("etcd does not answer");
    }
    if (applier != null) {
      return applier.kafkaProblem().map(p -> "Kafka refuses the applier: " + p);
    }
    return Optional.empty();
  }

  public InetSocketAddress xdsAddress() {
    return (InetSocketAddress) xds.getListenSockets().get(0);
  }

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  /** Where CSDS is served; empty when it is off. */
  public Optional<InetSocketAddress> adminGrpcAddress() {
    return adminGrpc.map(AdminGrpc::address);
  }

  public SnapshotStore snapshots() {
    return store;
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  /** The rules of the rate limit service this node runs; empty when it runs none. */
  public RateLimitConfig rateLimitRules() {
    return rateLimits.map(RateLimitServer::config).orElse(RateLimitConfig.empty());
  }

  /** The port of the rate limit service this node runs; empty when it runs none. */
  public Optional<Integer> rateLimitPort() {
    return rateLimits.map(RateLimitServer::port);
  }

  /**
   * meshgate's mesh CA, when this replica holds the seal key: SPIFFE identities for the proxies.
   * Not yet an input of the pipeline.
   */
  public Optional<IdentitySource> identities() {
    return meshCa.map(IdentitySource.class::cast);
  }

  /** Whether this replica writes status now (one replica does, elected through etcd). */
  public boolean leadsStatus() {
    return leadership.leading();
  }

  @Override
  /**
   * Stops gracefully: GOAWAY first (no new streams; proxies open their next stream elsewhere), the
   * status term handed over, then after the shutdown grace the streams still open are ended with
   * UNAVAILABLE, which proxies answer by reconnecting to another replica.
   */
  public void close() {
    credentialSweep.shutdownNow();
    xds.shutdown();
    // Agents register again through another node at once; their registrations keep their leases,
    // and so do the sidecars' (their proxies reconnect elsewhere and register again).
    registrations.endAllStreams();
    identities.endAllStreams();
    sidecars.close();
    consulGateways.close();
    etcdHealth.close();
    acks.close();
    status.close();
    leadership.close();
    view.close();
    applied.close();
    registered.close();
    tokenKeys.close();
    meshCa.ifPresent(MeshCaSource::close);
    bridgeSources.close();
    if (applier != null) {
      applier.close();
    }
    discovery.close();
    signatures.ifPresent(SignatureService::close);
    pipeline.close();
    bodyTransformation.ifPresent(BodyTransformation::close);
    try {
      xds.awaitTermination(limits.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ads.endAllStreams();
    // After the streams: a NACK in the grace is published too. The key outlives this replica.
    rejections.close();
    xds.shutdownNow();
    // After the proxies' streams: an Envoy still draining keeps asking for its limits.
    rateLimits.ifPresent(RateLimitServer::close);
    adminGrpc.ifPresent(AdminGrpc::close);
    admin.close();
    metrics.close();
    registry.close();
    etcd.close();
    // Last: the spans of the final pushes are exported too.
    tracing.close();
  }
}
