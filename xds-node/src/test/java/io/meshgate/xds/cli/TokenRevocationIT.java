package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import io.meshgate.xds.security.SigningKey;
import io.meshgate.xds.security.TokenIssuer;
import io.meshgate.xds.security.TokenKey;
import io.meshgate.xds.security.TokenKeys;
import io.meshgate.xds.snapshot.TypeUrls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshgate token rotate-key --revoke KID} against a real etcd and a real replica: the stream
 * a token of the revoked key opened ends within seconds; a token of the new key is served.
 */
class TokenRevocationIT {
  private static final String GROUP = "gateway/default/edge";

  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);
  @TempDir static Path dir;

  private static SealKeyPair seal;
  private static XdsNode node;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    seal = SealKeyPair.generate();
    seal.writeTo(dir);
    // Serving only: no applier, so no Kafka; the stream is served from etcd's (empty) config.
    node =
        XdsNode.startServingOnly(
            NodeSettings.builder("127.0.0.1:1", etcd.endpointList(), "revocation")
                .anyLoopbackPorts()
                .build());
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", node.xdsAddress().getPort())
            .usePlaintext()
            .build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    node.close();
  }

  @Test
  void revokingAKeyEndsItsStreamsAndANewKeysTokenIsServed() throws Exception {
    // given: a key, a token it signed, and a stream open on that token
    TokenKeys keys = new TokenKeys(etcd.client(), Clock.systemUTC());
    TokenKey old = keys.create(new Sealer(seal.publicKey()));
    SigningKey signing = keys.currentSigningKey(new Unsealer(seal.privateKey())).orElseThrow();
    String oldToken =
        new TokenIssuer(signing, Clock.systemUTC())
            .create(GROUP, Optional.empty(), Duration.ofHours(1));
    BlockingQueue<Status> oldStream = openOnceTheKeyIsSeen("edge-old", oldToken);

    // when
    CliRun rotate =
        CliRun.run(
            "token",
            "rotate-key",
            "--seal-key",
            dir.resolve(SealKeyPair.PRIVATE_FILE).toString(),
            "--etcd",
            etcd.endpointList(),
            "--revoke",
            old.kid());

    // then: the old key is gone and its stream ends, naming the revocation
    assertThat(rotate.exit()).as(rotate.err()).isZero();
    assertThat(rotate.out())
        .contains("new signing key kid=")
        .contains("revoked")
        .contains(old.kid());
    assertThat(keys.keys()).extracting(TokenKey::kid).doesNotContain(old.kid()).hasSize(1);
    Status ended = await().atMost(Duration.ofSeconds(10)).until(oldStream::peek, s -> s != null);
    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(ended.getDescription())
        .contains("the proxy token's signing key " + old.kid() + " was revoked");

    // and: a token of the new key opens a stream; the old token opens none
    CliRun create =
        CliRun.run(
            "token",
            "create",
            "--group",
            GROUP,
            "--seal-key",
            dir.resolve(SealKeyPair.PRIVATE_FILE).toString(),
            "--etcd",
            etcd.endpointList());
    assertThat(create.exit()).as(create.err()).isZero();
    BlockingQueue<Status> newStream = openOnceTheKeyIsSeen("edge-new", create.out().strip());
    assertThat(newStream).isEmpty();
    BlockingQueue<Status> refused = open("edge-again", oldToken);
    Status again = await().atMost(Duration.ofSeconds(10)).until(refused::peek, s -> s != null);
    assertThat(again.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(again.getDescription()).contains("unknown key kid=" + old.kid());
  }

  @Test
  void anUnknownKidIsRefusedBeforeAnythingIsRotated() throws Exception {
    // given
    TokenKeys keys = new TokenKeys(etcd.client(), Clock.systemUTC());
    int before = keys.keys().size();

    // when
    CliRun run =
        CliRun.run(
            "token",
            "rotate-key",
            "--seal-key",
            dir.resolve(SealKeyPair.PRIVATE_FILE).toString(),
            "--etcd",
            etcd.endpointList(),
            "--revoke",
            "no-such-kid");

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(run.err()).contains("--revoke no-such-kid: no such token key");
    assertThat(keys.keys()).hasSize(before);
  }

  @Test
  void theKeyThatSignsCannotBeRevoked() {
    // given
    TokenKeys keys = new TokenKeys(etcd.client(), Clock.systemUTC());
    TokenKey signing = keys.rotate(new Sealer(seal.publicKey()));

    // then
    assertThatThrownBy(() -> keys.revoke(List.of(signing.kid()), signing.kid()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kid " + signing.kid() + " signs from now on and cannot be revoked");
    assertThat(keys.keys()).extracting(TokenKey::kid).contains(signing.kid());
  }

  /**
   * Opens an ADS stream presenting {@code token} as a proxy does: a key created a moment ago may
   * not have reached the replica's watch yet, and the proxy's retry is then served. Returns the
   * served stream's end.
   */
  private static BlockingQueue<Status> openOnceTheKeyIsSeen(String nodeId, String token) {
    BlockingQueue<Status>[] served = new BlockingQueue[1];
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              BlockingQueue<Status> ends = open(nodeId, token);
              Status refused = ends.poll(200, TimeUnit.MILLISECONDS);
              if (refused != null) {
                assertThat(refused.getDescription()).contains("signed by unknown key");
                return false;
              }
              served[0] = ends;
              return debugStreams().contains(nodeId);
            });
    return served[0];
  }

  /** Opens an ADS stream presenting {@code token}; the queue receives the stream's end. */
  private static BlockingQueue<Status> open(String nodeId, String token) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    BlockingQueue<Status> ends = new LinkedBlockingQueue<>();
    StreamObserver<DiscoveryRequest> requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .streamAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DiscoveryResponse value) {}

                  @Override
                  public void onError(Throwable t) {
                    ends.add(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    ends.add(Status.OK);
                  }
                });
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId(nodeId))
            .setTypeUrl(TypeUrls.LISTENER)
            .build());
    return ends;
  }

  private static String debugStreams() throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + node.adminAddress().getPort() + "/debug/streams"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
