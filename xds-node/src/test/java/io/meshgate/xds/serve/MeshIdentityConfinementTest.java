package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.config.pem.Pem;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.Cases;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mesh identities are confined to their own group through the production path: the store holds what
 * translation made of two sidecars in the mesh, each with its SPIFFE identity's Secret, and a
 * stream holding sidecar a's credential gets a's certificate but never b's, even asking b's name.
 * As in {@link SecretConfinementTest}, every stream runs on a direct executor, so a request is
 * fully handled before the next is sent: once the response that follows a Secret request has
 * arrived, any Secret response would have arrived before it.
 */
class MeshIdentityConfinementTest {
  private static final String GROUP_A = "sidecar/shop/a";
  private static final String GROUP_B = "sidecar/shop/b";
  private static final String ID_A = "spiffe://meshgate.local/ns/shop/sa/a";
  private static final String ID_B = "spiffe://meshgate.local/ns/shop/sa/b";
  private static final String TRUST_BUNDLE = "spiffe://meshgate.local";

  /**
   * Two sidecars in the mesh; a calls b, so a's config names b's identity but holds not its key.
   */
  private static final String CONFIG =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Sidecar
      metadata: {name: a, namespace: shop}
      spec:
        service: a
        inbound: {port: 21000, localPort: 8080}
        upstreams:
          - {backend: b, localBindPort: 9191}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Sidecar
      metadata: {name: b, namespace: shop}
      spec:
        service: b
        inbound: {port: 21000, localPort: 8080}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: a, namespace: shop}
      spec:
        mesh: {}
        static: {endpoints: [{address: 10.0.0.1, port: 21000}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: b, namespace: shop}
      spec:
        mesh: {}
        static: {endpoints: [{address: 10.0.0.2, port: 21000}]}
      """;

  private final SnapshotStore store = new SnapshotStore();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void fillStoreFromTranslation() {
    Cases.Translated translated = Cases.translate(CONFIG);
    List<GroupSnapshot> snapshots = new ArrayList<>();
    for (GroupResources group : translated.groups()) {
      snapshots.add(GroupSnapshot.of(group, translated.inputs().config().revision()));
    }
    store.replaceAll(snapshots);
    // the premise: translation gave each sidecar its own identity and the trust bundle
    assertThat(store.get(GROUP_A).orElseThrow().type(TypeUrls.SECRET).resources())
        .containsOnlyKeys(ID_A, TRUST_BUNDLE);
    assertThat(store.get(GROUP_B).orElseThrow().type(TypeUrls.SECRET).resources())
        .containsOnlyKeys(ID_B, TRUST_BUNDLE);
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  @Test
  void stateOfTheWorldStreamOfAGetsItsOwnIdentityButNotBsByName() throws Exception {
    // given: streams holding sidecar a's client certificate
    ManagedChannel channel = serveAsA();
    AdsClients.Sotw own = new AdsClients.Sotw(channel);
    AdsClients.Sotw foreign = new AdsClients.Sotw(channel);
    Node node = Node.newBuilder().setId("a-1").build();

    // when: one asks for a's identity, the other for b's by name and then for listeners
    own.ask(node, TypeUrls.SECRET, List.of(ID_A));
    foreign.ask(node, TypeUrls.SECRET, List.of(ID_B));
    foreign.ask(node, TypeUrls.LISTENER, List.of());

    // then: a's certificate arrives; b's does not, only an empty answer and then the listeners
    DiscoveryResponse secret = own.next();
    assertThat(secret.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
    assertThat(secret.getResourcesList()).hasSize(1);
    assertIsCertificateOfA(secret.getResources(0).unpack(Secret.class));
    DiscoveryResponse none = foreign.next();
    assertThat(none.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
    assertThat(none.getResourcesList()).isEmpty();
    DiscoveryResponse listeners = foreign.next();
    assertThat(listeners.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(listeners.getResourcesList())
        .extracting(r -> r.unpack(Listener.class).getName())
        .isNotEmpty();
    assertThat(foreign.received).isEmpty();
  }

  @Test
  void deltaStreamOfAGetsItsOwnIdentityButNotBsByName() throws Exception {
    // given: delta streams holding sidecar a's client certificate
    ManagedChannel channel = serveAsA();
    AdsClients.Delta own = new AdsClients.Delta(channel);
    AdsClients.Delta foreign = new AdsClients.Delta(channel);
    Node node = Node.newBuilder().setId("a-1").build();

    // when: one subscribes to a's identity, the other to b's by name and then to listeners
    own.ask(node, TypeUrls.SECRET, List.of(ID_A));
    foreign.ask(node, TypeUrls.SECRET, List.of(ID_B));
    foreign.ask(node, TypeUrls.LISTENER, List.of());

    // then: a's certificate arrives; for b's name nothing comes before the listeners
    DeltaDiscoveryResponse secret = own.next();
    assertThat(secret.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
    assertThat(secret.getResourcesList()).hasSize(1);
    assertThat(secret.getResources(0).getName()).isEqualTo(ID_A);
    assertIsCertificateOfA(secret.getResources(0).getResource().unpack(Secret.class));
    DeltaDiscoveryResponse first = foreign.next();
    assertThat(first.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(first.getResourcesList()).isNotEmpty();
    assertThat(foreign.received).isEmpty();
  }

  /** A Secret named by a's SPIFFE ID whose chain's leaf carries that ID as its URI SAN. */
  private static void assertIsCertificateOfA(Secret secret) throws CertificateParsingException {
    assertThat(secret.getName()).isEqualTo(ID_A);
    assertThat(secret.hasTlsCertificate()).isTrue();
    List<X509Certificate> chain =
        Pem.certificates(
            secret.getTlsCertificate().getCertificateChain().getInlineString(), "secret " + ID_A);
    assertThat(chain).isNotEmpty();
    assertThat(uriSans(chain.get(0))).containsExactly(ID_A);
  }

  private static List<String> uriSans(X509Certificate certificate)
      throws CertificateParsingException {
    List<String> uris = new ArrayList<>();
    Collection<List<?>> names = certificate.getSubjectAlternativeNames();
    if (names != null) {
      for (List<?> name : names) {
        if (Integer.valueOf(6).equals(name.get(0))) {
          uris.add((String) name.get(1));
        }
      }
    }
    return uris;
  }

  /** A server whose every stream presents sidecar a's client certificate. */
  private ManagedChannel serveAsA() throws Exception {
    String name = "mesh-identities-" + System.nanoTime();
    servers.add(
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    new AdsService(store, new Authorizer(TokenCheck.NONE, false)),
                    AdsClients.presenting(
                        new PeerIdentity(Optional.of(GROUP_A), Optional.empty()))))
            .build()
            .start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }
}
