package io.meshgate.xds.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.config.pem.Pem;
import io.meshgate.xds.identity.IdentityService;
import io.meshgate.xds.identity.SmallMeshCa;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.serve.StreamAdmission;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshgate identity}'s agent against two nodes serving the identity service with a real CA:
 * the files it writes are what gRPC's {@code file_watcher} provider reads (PEM chain, PKCS#8 key
 * 0600, bundle), are replaced by rename, follow the refresh time on the agent's clock and root
 * rotations, and survive the agent's node going away.
 */
class IdentityIT {
  private static final String ORDERS = "spiffe://cluster.local/ns/shop/sa/orders";

  /** Tokens named after the group they grant. */
  private static final TokenCheck TOKENS =
      (token, nodeId) ->
          token.startsWith("group:")
              ? new TokenCheck.Result.Valid(
                  token.substring("group:".length()), Instant.now().plusSeconds(3600))
              : new TokenCheck.Result.Invalid("not a test token");

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(Instant.now());

  /** The nodes' CA and the agent share the manual clock: a refresh time is the agent's to reach. */
  private final SmallMeshCa ca = new SmallMeshCa("cluster.local", clock);

  private final List<IdentityService> services = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void startNodes() throws Exception {
    ca.addRoot();
    for (int i = 0; i < 2; i++) {
      IdentityService service =
          new IdentityService(
              Optional.of(ca), new Authorizer(TOKENS, false), new StreamAdmission(1000, 1000));
      services.add(service);
      servers.add(
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(ServerInterceptors.intercept(service, new ProxyAuthenticator()))
              .build()
              .start());
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    servers.forEach(Server::shutdownNow);
  }

  private IdentityAgent start(String group, IdentityAgent.Mode mode) throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "group:" + group);
    IdentityAgent agent =
        IdentityAgent.start(
            new RegistrationAgent.Connection(
                servers.stream().map(s -> "127.0.0.1:" + s.getPort()).toList(),
                Optional.empty(),
                Optional.empty(),
                Optional.of(token)),
            new IdentityFiles(dir.resolve("identity")),
            "orders-1",
            clock,
            mode);
    closing.add(agent);
    return agent;
  }

  private IdentityFiles files() {
    return new IdentityFiles(dir.resolve("identity"));
  }

  private static X509Certificate leaf(Path chain) throws Exception {
    return Pem.certificates(Files.readString(chain), chain.toString()).get(0);
  }

  @Test
  void theFilesAreWhatGrpcsFileWatcherReads() throws Exception {
    // when
    IdentityAgent agent = start("proxyless/shop/orders", IdentityAgent.Mode.KEEP);
    IdentityAgent.Fetched fetched = agent.fetched().get(20, TimeUnit.SECONDS);

    // then: the chain names the credential's identity and is signed by the bundle's root
    IdentityFiles files = files();
    assertThat(fetched.spiffeId()).isEqualTo(ORDERS);
    X509Certificate leaf = leaf(files.certificate());
    assertThat(leaf.getSubjectAlternativeNames().stream().map(n -> (Object) n.get(1)).toList())
        .containsExactly((Object) ORDERS);
    X509Certificate root = Pem.certificates(Files.readString(files.bundle()), "ca.pem").get(0);
    leaf.verify(root.getPublicKey());
    // the key is PKCS#8, owner-only, and the certificate's
    assertThat(Files.readString(files.privateKey())).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.privateKey())))
        .isEqualTo("rw-------");
    PrivateKey key = Pem.privateKey(Files.readString(files.privateKey()), "key.pem");
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update("proof".getBytes(StandardCharsets.US_ASCII));
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(leaf.getPublicKey());
    verifier.update("proof".getBytes(StandardCharsets.US_ASCII));
    assertThat(verifier.verify(signature)).isTrue();
    // gRPC's TLS (Netty's PEM readers, as xDS credentials use them) takes all three files
    GrpcSslContexts.forServer(files.certificate().toFile(), files.privateKey().toFile())
        .trustManager(files.bundle().toFile())
        .build();
    // nothing half-written is left beside them
    try (Stream<Path> listed = Files.list(files.dir())) {
      assertThat(listed.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("cert.pem", "key.pem", "ca.pem");
    }
  }

  @Test
  void theCertificateIsRenewedAtItsRefreshTimeOnTheAgentsClockAndReplacedByRename()
      throws Exception {
    // given
    IdentityAgent agent = start("proxyless/shop/orders", IdentityAgent.Mode.KEEP);
    IdentityAgent.Fetched first = agent.fetched().get(20, TimeUnit.SECONDS);
    IdentityFiles files = files();
    Object firstFile = Files.readAttributes(files.certificate(), "unix:ino").get("ino");
    String firstKey = Files.readString(files.privateKey());
    X509Certificate firstLeaf = leaf(files.certificate());

    // when: the agent's clock passes the refresh time
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> agent.certificatesWritten() == 1);
    clock.set(first.refreshAt().plusSeconds(1));

    // then: a new certificate, in a new file (renamed over the old), for the same key
    await().atMost(Duration.ofSeconds(20)).until(() -> agent.certificatesWritten() == 2);
    assertThat(leaf(files.certificate()).getSerialNumber())
        .isNotEqualTo(firstLeaf.getSerialNumber());
    assertThat(Files.readAttributes(files.certificate(), "unix:ino").get("ino"))
        .isNotEqualTo(firstFile);
    assertThat(Files.readString(files.privateKey())).isEqualTo(firstKey);
  }

  @Test
  void aRootRotationReachesCaPemWithoutAsking() throws Exception {
    IdentityAgent agent = start("proxyless/shop/orders", IdentityAgent.Mode.KEEP);
    agent.fetched().get(20, TimeUnit.SECONDS);

    ca.addRoot();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Pem.certificates(Files.readString(files().bundle()), "ca.pem").size() == 2);
    assertThat(agent.certificatesWritten()).isEqualTo(1);
  }

  @Test
  void whenItsNodeGoesAwayTheAgentWatchesThroughTheNext() throws Exception {
    // given: the agent watches through the first node
    IdentityAgent agent = start("proxyless/shop/orders", IdentityAgent.Mode.KEEP);
    agent.fetched().get(20, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> services.get(0).openStreams() == 1);

    // when: the node stops
    services.get(0).endAllStreams();
    servers.get(0).shutdownNow();

    // then: the agent asks the second node at once, and gets a certificate there
    await().atMost(Duration.ofSeconds(20)).until(() -> services.get(1).openStreams() == 1);
    await().atMost(Duration.ofSeconds(20)).until(() -> agent.certificatesWritten() == 2);
    assertThat(agent.stopped()).isNotDone();
  }

  @Test
  void onceWritesTheFilesAndStops() throws Exception {
    IdentityAgent agent = start("proxyless/shop/orders", IdentityAgent.Mode.ONCE);

    agent.stopped().get(20, TimeUnit.SECONDS);

    assertThat(agent.certificatesWritten()).isEqualTo(1);
    assertThat(files().certificate()).exists();
    await().atMost(Duration.ofSeconds(5)).until(() -> services.get(0).openStreams() == 0);
  }

  @Test
  void aCredentialOfAnotherGroupStopsTheAgentWithoutFiles() throws Exception {
    IdentityAgent agent = start("workload/shop/vm-1", IdentityAgent.Mode.KEEP);

    ExecutionException refusal =
        assertThrows(ExecutionException.class, () -> agent.stopped().get(20, TimeUnit.SECONDS));

    assertThat(refusal.getCause())
        .isInstanceOf(RegistrationAgent.Refused.class)
        .hasMessageContaining("PERMISSION_DENIED");
    assertThat(files().certificate()).doesNotExist();
    assertThat(files().privateKey()).doesNotExist();
  }
}
