package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.xds.envoy.Versions;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Secrets reach only streams with a credential, and only their own group's. The store is filled by
 * hand: translation makes no Secret until SDS lands, but the serving rule holds for any resource of
 * the Secret type. Every stream runs on a direct executor, so a request is fully handled before the
 * next one is sent: once the listener response that follows a Secret request has arrived, any
 * Secret response would have arrived before it.
 */
class SecretConfinementTest {
  private static final String EDGE = "gateway/default/edge";
  private static final String OTHER = "gateway/default/other";

  private final SnapshotStore store = new SnapshotStore();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void fillStore() {
    store.replaceAll(List.of(snapshot(EDGE, "edge-cert"), snapshot(OTHER, "other-cert")));
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  @Test
  void anAnonymousStreamGetsConfigButNeverASecret() throws Exception {
    // given: a server that lets anonymous streams in
    ManagedChannel channel = serve(Authorizer.anonymousAllowed(), PeerIdentity.NONE);
    AdsClients.Sotw sotw = new AdsClients.Sotw(channel);
    AdsClients.Delta delta = new AdsClients.Delta(channel);

    // when: each asks for its group's secret by name, then for listeners
    sotw.ask(gatewayNode("anon-1", "edge"), TypeUrls.SECRET, List.of("edge-cert"));
    sotw.ask(gatewayNode("anon-1", "edge"), TypeUrls.LISTENER, List.of());
    delta.ask(gatewayNode("anon-2", "edge"), TypeUrls.SECRET, List.of("edge-cert"));
    delta.ask(gatewayNode("anon-2", "edge"), TypeUrls.LISTENER, List.of());

    // then: the listeners come, the secret never does
    assertThat(sotw.next().getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(sotw.received).isEmpty();
    assertThat(delta.next().getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(delta.received).isEmpty();
  }

  @Test
  void aStreamWithACredentialGetsItsOwnGroupsSecretButNotAnotherGroupsByName() throws Exception {
    // given: streams holding a client certificate for the edge gateway
    ManagedChannel channel =
        serve(
            new Authorizer(TokenCheck.NONE, false),
            new PeerIdentity(Optional.of(EDGE), Optional.empty()));
    AdsClients.Sotw own = new AdsClients.Sotw(channel);
    AdsClients.Sotw foreign = new AdsClients.Sotw(channel);
    AdsClients.Delta deltaForeign = new AdsClients.Delta(channel);
    Node node = Node.newBuilder().setId("edge-1").build();

    // when
    own.ask(node, TypeUrls.SECRET, List.of("edge-cert"));
    foreign.ask(node, TypeUrls.SECRET, List.of("other-cert"));
    foreign.ask(node, TypeUrls.LISTENER, List.of());
    deltaForeign.ask(node, TypeUrls.SECRET, List.of("other-cert"));
    deltaForeign.ask(node, TypeUrls.LISTENER, List.of());

    // then: its own secret arrives; the other group's does not, over either protocol
    DiscoveryResponse secret = own.next();
    assertThat(secret.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
    assertThat(secret.getResourcesList())
        .extracting(r -> r.unpack(Secret.class).getName())
        .containsExactly("edge-cert");
    DiscoveryResponse none = foreign.next();
    assertThat(none.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
    assertThat(none.getResourcesList()).isEmpty();
    DiscoveryResponse listeners = foreign.next();
    assertThat(listeners.getResourcesList())
        .extracting(r -> r.unpack(Listener.class).getName())
        .containsExactly(EDGE + "/listener");
    DeltaDiscoveryResponse deltaFirst = deltaForeign.next();
    assertThat(deltaFirst.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(deltaForeign.received).isEmpty();
  }

  private ManagedChannel serve(Authorizer authorizer, PeerIdentity identity) throws Exception {
    String name = "secrets-" + System.nanoTime();
    servers.add(
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    new AdsService(store, authorizer), AdsClients.presenting(identity)))
            .build()
            .start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }

  /** A group holding one listener and one secret. */
  private static GroupSnapshot snapshot(String group, String secretName) {
    Any secret =
        Any.pack(
            Secret.newBuilder()
                .setName(secretName)
                .setTlsCertificate(
                    TlsCertificate.newBuilder()
                        .setCertificateChain(DataSource.newBuilder().setInlineString("chain")))
                .build());
    Any listener = Any.pack(Listener.newBuilder().setName(group + "/listener").build());
    return new GroupSnapshot(
        group,
        1,
        Map.of(
            TypeUrls.SECRET, type(TypeUrls.SECRET, secretName, secret),
            TypeUrls.LISTENER, type(TypeUrls.LISTENER, group + "/listener", listener)));
  }

  private static TypeResources type(String typeUrl, String name, Any resource) {
    String version = Versions.of(resource);
    TreeMap<String, VersionedResource> byName = new TreeMap<>();
    byName.put(name, new VersionedResource(name, version, resource));
    return new TypeResources(typeUrl, version, byName);
  }

  private static Node gatewayNode(String id, String gateway) {
    return Node.newBuilder()
        .setId(id)
        .setMetadata(
            com.google.protobuf.Struct.newBuilder()
                .putFields(
                    ProxyGroups.GATEWAY,
                    com.google.protobuf.Value.newBuilder().setStringValue(gateway).build()))
        .build();
  }
}
