package io.meshgate.xds.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import io.etcd.jetcd.Client;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsChannelCredentials;
import io.grpc.xds.XdsNameResolverProvider;
import io.grpc.xds.XdsServerBuilder;
import io.grpc.xds.XdsServerCredentials;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.meshbridge.meshca.MeshCaRoot;
import io.meshgate.meshbridge.meshca.MeshCaRoots;
import io.meshgate.meshbridge.meshca.MeshCaSettings;
import io.meshgate.meshbridge.meshca.MeshCaSource;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.xds.agent.IdentityAgent;
import io.meshgate.xds.agent.IdentityFiles;
import io.meshgate.xds.agent.RegistrationAgent;
import io.meshgate.xds.cli.CliOutput;
import io.meshgate.xds.identity.IdentityService;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.security.ProxyCa;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.serve.StreamAdmission;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.translate.Cases;
import io.meshgate.xds.translate.TestConfigs;
import io.netty.handler.ssl.ClientAuth;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc-java on both ends of a mesh call, configured only by meshgate: the server's Listener (gRFC
 * A36) and the client's cluster come from meshgate's ADS, the bootstraps from {@code meshgate
 * bootstrap --proxyless --service ... --identity-dir ...}, and each side's certificate, key and
 * bundle from {@code meshgate identity}'s agent, signed by the mesh CA in a real etcd on a manual
 * clock. The ADS and identity services run as the node runs them, on a TLS port where each service
 * authenticates with a proxy-CA client certificate for its group {@code proxyless/shop/SA}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshGrpcIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);
  @TempDir static Path dir;

  private static final String DOMAIN = "meshgate.local";
  private static final String GREETER = "spiffe://meshgate.local/ns/shop/sa/greeter";
  private static final String FRONTEND = "spiffe://meshgate.local/ns/shop/sa/frontend";

  /**
   * The mesh CA's and the agents' clock. TLS checks certificates against the real time, so it
   * starts 37 hours back: the first certificates (24 h) have expired for real, their renewals 17
   * hours on are valid now, and so are those of the rotation another 17 hours on.
   */
  private static final MovableClock clock =
      new MovableClock(Instant.now().minus(Duration.ofHours(37)).truncatedTo(ChronoUnit.SECONDS));

  private static final SnapshotStore store = new SnapshotStore();
  private static final List<IdentityAgent> agents = new ArrayList<>();
  private static final List<ManagedChannel> channels = new ArrayList<>();
  private static final AtomicReference<String> lastCaller = new AtomicReference<>("");
  private static final AtomicReference<X509Certificate> lastCallerLeaf = new AtomicReference<>();
  private static ScheduledExecutorService caThread;
  private static Client client;
  private static Sealer sealer;
  private static MeshCaRoots roots;
  private static MeshCaSource meshCa;
  private static Server xds;
  private static Server greeter;
  private static int greeterPort;
  private static long revision;

  @BeforeAll
  static void start() throws Exception {
    // given: the mesh CA, as a replica runs it
    SealKeyPair seal = SealKeyPair.generate();
    sealer = new Sealer(seal.publicKey());
    client = etcd.client();
    roots = new MeshCaRoots(client, DOMAIN, clock);
    roots.ensureInitialized(sealer);
    caThread = Executors.newSingleThreadScheduledExecutor();
    meshCa =
        MeshCaSource.open(
            client,
            new Unsealer(seal.privateKey()),
            new MeshCaSettings(DOMAIN, Duration.ofHours(24)),
            clock,
            caThread);

    // and: the xDS port, TLS with the proxy CA, serving ADS and identities
    ProxyCa proxyCa = ProxyCa.init(dir.resolve("proxy-ca"));
    proxyCa
        .issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1))
        .writeTo(dir.resolve("xds-server"));
    for (String sa : List.of("greeter", "frontend", "intruder")) {
      proxyCa
          .issueClient("proxyless/shop/" + sa, Duration.ofHours(1))
          .writeTo(dir.resolve("xds-" + sa));
    }
    Authorizer authorizer = new Authorizer(TokenCheck.NONE, false);
    xds =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sslContext(
                GrpcSslContexts.forServer(
                        dir.resolve("xds-server/tls.crt").toFile(),
                        dir.resolve("xds-server/tls.key").toFile())
                    .trustManager(dir.resolve("proxy-ca/ca.crt").toFile())
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build())
            .addService(
                ServerInterceptors.intercept(
                    new AdsService(store, authorizer), new ProxyAuthenticator()))
            .addService(
                ServerInterceptors.intercept(
                    new IdentityService(
                        Optional.of(meshCa), authorizer, new StreamAdmission(1000, 1000)),
                    new ProxyAuthenticator()))
            .build()
            .start();

    // and: every service's identity files, kept by its agent
    for (String sa : List.of("greeter", "frontend", "intruder")) {
      IdentityAgent agent =
          IdentityAgent.start(
              new RegistrationAgent.Connection(
                  List.of(xdsAddress()),
                  Optional.of(dir.resolve("proxy-ca/ca.crt")),
                  Optional.of(dir.resolve("xds-" + sa)),
                  Optional.empty()),
              new IdentityFiles(dir.resolve("identity-" + sa)),
              sa + "-1",
              clock,
              IdentityAgent.Mode.KEEP);
      agents.add(agent);
      assertThat(agent.fetched().get(20, TimeUnit.SECONDS).spiffeId())
          .isEqualTo("spiffe://meshgate.local/ns/shop/sa/" + sa);
    }

    // and: the config: greeter in the mesh with a proxyless server port; frontend may call it
    greeterPort = freePort();
    publish(true);

    // and: greeter's gRPC server, an xDS server with xDS credentials
    greeter =
        XdsServerBuilder.forPort(
                greeterPort, XdsServerCredentials.create(InsecureServerCredentials.create()))
            .overrideBootstrapForTest(bootstrap("greeter"))
            .addService(ServerInterceptors.intercept(greeterService(), new CallerIdentity()))
            .build()
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    if (greeter != null) {
      greeter.shutdownNow();
    }
    agents.forEach(IdentityAgent::close);
    if (xds != null) {
      xds.shutdownNow();
    }
    if (meshCa != null) {
      meshCa.close();
    }
    caThread.shutdownNow();
  }

  @Test
  @Order(0)
  void aRenewedCertificateIsUsedByNewConnectionsOfTheSameProcess() throws Exception {
    // given: a channel that made the process's certificate provider read the first certificates
    ManagedChannel first = channel("frontend");
    assertThatThrownBy(() -> EchoServers.identify(first))
        .as("the first certificates have expired in real time")
        .isInstanceOf(StatusRuntimeException.class);
    BigInteger frontendBefore = leaf("frontend").getSerialNumber();
    BigInteger greeterBefore = leaf("greeter").getSerialNumber();
    List<X509Certificate> bundleBefore = bundle("frontend");

    // when: 2/3 of their life passes: both agents renew, from the same root
    clock.advance(Duration.ofHours(17));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !leaf("frontend").getSerialNumber().equals(frontendBefore)
                    && !leaf("greeter").getSerialNumber().equals(greeterBefore));
    assertThat(bundle("frontend")).isEqualTo(bundleBefore);

    // then: a new channel of the same process and provider configuration handshakes with the
    // renewed certificates on both sides (the client's is what the server saw; the server's
    // expired one would have failed the handshake)
    ManagedChannel fresh = channel("frontend");
    await()
        .atMost(Duration.ofSeconds(40))
        .ignoreExceptions()
        .until(
            () ->
                EchoServers.identify(fresh).equals("greeter")
                    && lastCallerLeaf
                        .get()
                        .getSerialNumber()
                        .equals(leaf("frontend").getSerialNumber()));
    assertThat(lastCallerLeaf.get().getSerialNumber()).isNotEqualTo(frontendBefore);
  }

  @Test
  @Order(1)
  void aPermittedMeshClientCallsTheMeshServerWithMutualTls() {
    // when
    ManagedChannel frontend = channel("frontend");

    // then: answered, and the server saw the client's mesh identity
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> EchoServers.identify(frontend).equals("greeter"));
    assertThat(lastCaller.get()).isEqualTo(FRONTEND);
  }

  @Test
  @Order(2)
  void aMeshClientWithoutPermissionIsRefusedByTheServersRbac() {
    // when
    ManagedChannel intruder = channel("intruder");

    // then: the handshake works (a mesh identity), the permission does not
    awaitRefusedByPermissions(intruder);
  }

  @Test
  @Order(3)
  void aClientWithoutAMeshIdentityIsRefusedByTheHandshake() {
    // given: plaintext straight to the server's port, no certificate at all
    ManagedChannel plain =
        NettyChannelBuilder.forAddress("127.0.0.1", greeterPort).usePlaintext().build();
    channels.add(plain);

    // then
    assertThatThrownBy(() -> EchoServers.identify(plain))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(lastCaller.get()).isNotEqualTo("plaintext");
  }

  @Test
  @Order(4)
  void aRotationKeepsCallsWorkingAndMovesBothSidesToTheNewRoot() throws Exception {
    // given: a channel calling without pause
    ManagedChannel frontend = channel("frontend");
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> EchoServers.identify(frontend).equals("greeter"));
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicBoolean calling = new AtomicBoolean(true);
    ExecutorService caller = Executors.newSingleThreadExecutor();
    final X509Certificate newRoot;
    caller.execute(
        () -> {
          while (calling.get()) {
            try {
              EchoServers.identify(frontend);
              answered.incrementAndGet();
            } catch (StatusRuntimeException e) {
              failures.incrementAndGet();
            }
          }
        });
    try {
      // when: a root rotation starts; both sides trust both roots before the new one signs
      MeshCaRoot next = roots.rotate(sealer, Duration.ofMinutes(5));
      for (String sa : List.of("greeter", "frontend")) {
        await().atMost(Duration.ofSeconds(20)).until(() -> bundle(sa).size() == 2);
      }
      // and: time passes beyond the propagation and the leaves' refresh (2/3 of 24 h)
      clock.advance(Duration.ofHours(17));
      newRoot = Pem.certificates(next.certificatePem(), "new root").get(0);
      for (String sa : List.of("greeter", "frontend")) {
        await().atMost(Duration.ofSeconds(30)).until(() -> signedBy(leaf(sa), newRoot));
      }

      assertThat(answered.get()).isPositive();
    } finally {
      calling.set(false);
      caller.shutdown();
      caller.awaitTermination(10, TimeUnit.SECONDS);
    }
    // then: calls on the open connection never failed while the roots and leaves changed
    assertThat(failures.get()).isZero();

    // and: new connections of the same process, through the certificate provider instance that
    // lived through the rotation, handshake with the new certificates on both sides. A channel per
    // attempt: gRPC reads the files every refresh interval, and a connection opened before that
    // read keeps the previous certificate (still valid) for as long as the connection lives.
    await()
        .atMost(Duration.ofSeconds(40))
        .ignoreExceptions()
        .until(
            () -> {
              ManagedChannel fresh = channel("frontend");
              try {
                return EchoServers.identify(fresh).equals("greeter")
                    && signedBy(lastCallerLeaf.get(), newRoot);
              } finally {
                fresh.shutdownNow();
              }
            });
  }

  @Test
  @Order(5)
  void aPermissionRemovedTakesEffectOnAnOpenConnection() throws Exception {
    // given: frontend calls over one channel
    ManagedChannel frontend = channel("frontend");
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> EchoServers.identify(frontend).equals("greeter"));

    // when: the permission goes
    publish(false);

    // then: the same channel's calls are refused
    awaitRefusedByPermissions(frontend);
  }

  /** Waits until the channel's calls get PERMISSION_DENIED from greeter's RBAC. */
  private static void awaitRefusedByPermissions(ManagedChannel channel) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> EchoServers.identify(channel))
                    .isInstanceOf(StatusRuntimeException.class)
                    .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  /** Translates the config, with or without frontend's permission, into the served snapshots. */
  private static void publish(boolean frontendMayCall) {
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: greeter, namespace: shop}
        spec:
          protocol: GRPC
          mesh: {serverPorts: [%d]}
          static: {endpoints: [{address: 127.0.0.1, port: %d}]}
        """
            .formatted(greeterPort, greeterPort);
    if (frontendMayCall) {
      yaml +=
          """
          ---
          apiVersion: meshgate.io/v1alpha1
          kind: TrafficPermission
          metadata: {name: frontend-greets, namespace: shop}
          spec:
            targetRef: {kind: Backend, name: greeter}
            from: [{serviceAccount: frontend}]
          """;
    }
    long built = ++revision;
    store.replaceAll(
        Cases.translate(Inputs.withoutKeys(TestConfigs.snapshot(yaml))).groups().stream()
            .map(g -> GroupSnapshot.of(g, built))
            .toList());
  }

  /**
   * What {@code meshgate bootstrap --proxyless} writes for service {@code sa}, as gRPC reads it.
   */
  private static Map<String, ?> bootstrap(String sa) throws IOException {
    String json =
        CliOutput.of(
            "bootstrap",
            "--proxyless",
            "--node-id",
            sa + "-1",
            "--service",
            "shop/" + sa,
            "--identity-dir",
            dir.resolve("identity-" + sa).toString(),
            // Seconds, not the default 30: the rotation test waits for gRPC to read renewed files.
            "--identity-refresh",
            "1s",
            "--xds",
            xdsAddress(),
            "--tls-ca",
            dir.resolve("proxy-ca/ca.crt").toString(),
            "--cert-dir",
            dir.resolve("xds-" + sa).toString());
    return Mappers.json().readValue(json, new TypeReference<Map<String, Object>>() {});
  }

  /** A channel to greeter for service {@code sa}: xDS name resolution, xDS credentials. */
  private static ManagedChannel channel(String sa) {
    Map<String, ?> bootstrap;
    try {
      bootstrap = bootstrap(sa);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    @SuppressWarnings("deprecation") // A resolver per channel: see GrpcXdsClient.
    ManagedChannel channel =
        // xDS credentials need grpc-xds's own (shaded) Netty transport.
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(
                "xds:///greeter.shop",
                XdsChannelCredentials.create(InsecureChannelCredentials.create()))
            .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrap))
            .build();
    channels.add(channel);
    return channel;
  }

  private static ServerServiceDefinition greeterService() {
    return ServerServiceDefinition.builder(EchoServers.IDENTIFY.getServiceName())
        .addMethod(
            EchoServers.IDENTIFY,
            ServerCalls.asyncUnaryCall(
                (request, response) -> {
                  response.onNext("greeter");
                  response.onCompleted();
                }))
        .build();
  }

  /** Records the caller's SPIFFE ID and leaf, as the server's TLS session holds them. */
  private static final class CallerIdentity implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      if (session == null) {
        lastCaller.set("plaintext");
      } else {
        try {
          X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
          lastCallerLeaf.set(leaf);
          lastCaller.set(uriSan(leaf));
        } catch (Exception e) {
          lastCaller.set("unverified");
        }
      }
      return next.startCall(call, headers);
    }
  }

  private static List<X509Certificate> bundle(String sa) throws IOException {
    return Pem.certificates(
        Files.readString(dir.resolve("identity-" + sa).resolve(IdentityFiles.BUNDLE)), "ca.pem");
  }

  private static X509Certificate leaf(String sa) throws IOException {
    return Pem.certificates(
            Files.readString(dir.resolve("identity-" + sa).resolve(IdentityFiles.CERTIFICATE)),
            "cert.pem")
        .get(0);
  }

  private static boolean signedBy(X509Certificate leaf, X509Certificate root) {
    if (leaf == null) {
      return false;
    }
    try {
      leaf.verify(root.getPublicKey());
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static String uriSan(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream()
        .filter(name -> Integer.valueOf(6).equals(name.get(0)))
        .map(name -> (String) name.get(1))
        .findFirst()
        .orElse("");
  }

  private static String xdsAddress() {
    return "127.0.0.1:" + ((InetSocketAddress) xds.getListenSockets().get(0)).getPort();
  }

  /**
   * A port for greeter: an xDS server binds the port its Listener names, so it must be known before
   * the config is written (a bind race with another process is possible, and unlikely).
   */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** A clock the test moves; shared by the mesh CA and the agents. */
  private static final class MovableClock extends Clock {
    private final AtomicReference<Instant> now;

    MovableClock(Instant start) {
      this.now = new AtomicReference<>(start);
    }

    void advance(Duration duration) {
      now.updateAndGet(t -> t.plus(duration));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }
}
