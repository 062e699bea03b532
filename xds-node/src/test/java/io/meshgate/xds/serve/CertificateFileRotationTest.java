package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.pipeline.Pipeline;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.Cases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate file rewritten on disk reaches a connected proxy through the production path — the
 * key loader's file check, the pipeline's holdoff and rebuild, the translation cache, the snapshot
 * store, a delta ADS stream — as a push of the Secret alone, with no config event.
 */
class CertificateFileRotationTest {
  private static final Logger log = LoggerFactory.getLogger(CertificateFileRotationTest.class);
  private static final Path KEYS = Path.of(Cases.TEST_KEYS);
  private static final String EDGE = "gateway/default/edge";

  @TempDir Path certs;

  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static String config(Path file) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          listeners:
            - name: https
              port: 443
              protocol: HTTPS
              hostname: edge.example.com
              tls:
                certificateRefs:
                  - {group: meshgate.io, kind: File, name: %s}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: default}
        spec:
          static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: default}
        spec:
          parentRefs: [{name: edge}]
          rules: [{backendRefs: [{name: web}]}]
        """
        .formatted(file);
  }

  @Test
  void aRewrittenCertificateFileReachesAConnectedProxyAsASecretOnlyPush() throws Exception {
    // given: a replica's pipeline serving a Gateway whose certificate is a file below its cert dirs
    String key = Files.readString(KEYS.resolve("edge.example.com.key"));
    Path file =
        Files.writeString(
            certs.resolve("edge.pem"),
            Files.readString(KEYS.resolve("edge.example.com.crt")) + key);
    SnapshotStore store = new SnapshotStore();
    Pipeline pipeline =
        new Pipeline(
            store,
            Duration.ofMillis(20),
            Duration.ofMillis(200),
            KeyLoader.of(null, CertificateDirs.shared(List.of(certs))));
    closing.add(pipeline);
    pipeline.accept(Cases.snapshot(config(file)));
    await().atMost(Duration.ofSeconds(10)).until(() -> store.get(EDGE).isPresent());

    // and a delta stream of the gateway's group holding every type, each ACKed
    String name = "rotation-" + System.nanoTime();
    Server server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    new AdsService(store, new Authorizer(TokenCheck.NONE, false)),
                    AdsClients.presenting(new PeerIdentity(Optional.of(EDGE), Optional.empty()))))
            .build()
            .start();
    closing.add(server::shutdownNow);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    closing.add(channel::shutdownNow);
    AdsClients.Delta proxy = new AdsClients.Delta(channel);
    Node node = Node.newBuilder().setId("edge-1").build();
    for (String type : TypeUrls.ALL) {
      List<String> names =
          TypeUrls.allowsWildcard(type)
              ? List.of()
              : List.copyOf(store.get(EDGE).orElseThrow().type(type).resources().keySet());
      proxy.ask(node, type, names);
      DeltaDiscoveryResponse answer = proxy.next();
      assertThat(answer.getResourcesCount()).as(type).isPositive();
      proxy.ack(node, answer.getTypeUrl(), answer.getNonce());
    }
    assertThat(proxy.received).isEmpty();

    // when: the file is rewritten with a renewed certificate for the same key; no config event
    String renewed = Files.readString(KEYS.resolve("edge.example.com.rotated.crt"));
    long written = System.nanoTime();
    Files.writeString(file, renewed + key);

    // then: the Secret, and only the Secret, is pushed
    DeltaDiscoveryResponse pushed = proxy.next();
    long arrived = System.nanoTime();
    assertThat(pushed.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
    assertThat(pushed.getResourcesList())
        .singleElement()
        .satisfies(
            r ->
                assertThat(
                        r.getResource()
                            .unpack(Secret.class)
                            .getTlsCertificate()
                            .getCertificateChain()
                            .getInlineString())
                    .isEqualTo(renewed));
    proxy.ack(node, pushed.getTypeUrl(), pushed.getNonce());
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(proxy.received::isEmpty);
    log.info(
        "certificate file rewritten → Secret pushed in {} ms",
        Duration.ofNanos(arrived - written).toMillis());
  }
}
