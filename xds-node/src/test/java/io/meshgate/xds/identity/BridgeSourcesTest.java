package io.meshgate.xds.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import io.meshgate.meshbridge.istio.IstioCaSettings;
import io.meshgate.meshbridge.istio.PluggedCaSettings;
import io.meshgate.xds.translate.Cases;
import io.meshgate.xds.translate.TestConfigs;
import java.net.URI;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which sources run for which config, with a factory that records what it starts: a source per
 * (bridge, service, agent, datacenter), kept while those stay, replaced when they change, closed
 * when they go.
 */
class BridgeSourcesTest {
  private static final String TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";

  /** A node's own agent settings, with every credential it can have. */
  private static final ConsulSettings NODE_AGENT =
      new ConsulSettings(
          URI.create("https://local-agent:8501"),
          Optional.of("node-token"),
          Optional.of(Path.of("/etc/consul/ca.pem")),
          Optional.of(Path.of("/etc/consul/client.pem")),
          Optional.of(Path.of("/etc/consul/client-key.pem")));

  private final List<FakeSource> started = new CopyOnWriteArrayList<>();
  private final AtomicInteger changes = new AtomicInteger();
  private final BridgeSources sources =
      BridgeSources.of(
          Optional.empty(),
          (consul, namespace, service) -> {
            FakeSource source = new FakeSource(consul, service);
            started.add(source);
            return source;
          });

  @AfterEach
  void close() {
    sources.close();
  }

  @Test
  void aConsulBridgeGetsASourcePerGatewayAtItsAgent() {
    // given a Consul bridge naming two gateways
    sources.onChange(changes::incrementAndGet);

    // when
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge, api]", "")));

    // then a source per gateway, at the bridge's agent, for the gateway's service, sorted
    assertThat(started).extracting(s -> s.service).containsExactlyInAnyOrder("edge", "api");
    assertThat(started)
        .extracting(s -> s.consul.address())
        .containsOnly(URI.create("http://consul-a:8500"));
    assertThat(sources.sources())
        .extracting(s -> ((FakeSource) s).service)
        .containsExactly("api", "edge");
    assertThat(sources.bridges())
        .extracting(BridgeSources.Bridge::datacenter)
        .containsOnly(Optional.of("dc1"));
    assertThat(changes).hasValue(1);
  }

  @Test
  void theBridgesServiceNameReplacesTheGatewaysName() {
    sources.configChanged(
        config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "serviceName: ingress")));

    assertThat(started).extracting(s -> s.service).containsExactly("ingress");
  }

  @Test
  void anUnchangedBridgeKeepsItsRunningSource() {
    // given a running source
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "")));
    IdentitySource first = sources.sources().get(0);
    sources.onChange(changes::incrementAndGet);

    // when a new snapshot has the same bridge and something else besides
    sources.configChanged(
        config(
            consulBridge("mesh", "http://consul-a:8500", "[edge]", "")
                + "---\n"
                + istioBridge("other")));

    // then the same source, neither restarted nor closed, and no change to tell
    assertThat(started).hasSize(1);
    assertThat(sources.sources()).containsExactly(first);
    assertThat(((FakeSource) first).closed).isFalse();
    assertThat(changes).hasValue(0);
  }

  @Test
  void aChangedAddressClosesTheOldSourceAndStartsANewOne() {
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "")));
    sources.onChange(changes::incrementAndGet);

    sources.configChanged(config(consulBridge("mesh", "http://consul-b:8500", "[edge]", "")));

    assertThat(started).hasSize(2);
    assertThat(started.get(0).closed).isTrue();
    assertThat(started.get(1).closed).isFalse();
    assertThat(started.get(1).consul.address()).isEqualTo(URI.create("http://consul-b:8500"));
    assertThat(sources.sources()).containsExactly(started.get(1));
    assertThat(changes).hasValue(1);
  }

  @Test
  void aChangedServiceNameClosesTheOldSourceAndStartsANewOne() {
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "")));

    sources.configChanged(
        config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "serviceName: ingress")));

    assertThat(started).extracting(s -> s.service).containsExactly("edge", "ingress");
    assertThat(started.get(0).closed).isTrue();
    assertThat(sources.sources()).containsExactly(started.get(1));
  }

  @Test
  void aRemovedBridgeOrGatewayClosesItsSource() {
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge, api]", "")));
    FakeSource api = byService("api");
    FakeSource edge = byService("edge");
    sources.onChange(changes::incrementAndGet);

    // when a gateway is no longer named
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "")));
    // then its source is closed, the other one kept
    assertThat(api.closed).isTrue();
    assertThat(edge.closed).isFalse();
    assertThat(sources.sources()).containsExactly(edge);

    // when the bridge is gone
    sources.configChanged(ConfigSnapshot.empty());
    // then so is its source
    assertThat(edge.closed).isTrue();
    assertThat(sources.sources()).isEmpty();
    assertThat(started).hasSize(2);
    assertThat(changes).hasValue(2);
  }

  @Test
  void withoutIstioAccessIstioBridgesGetNoSourceNorDoStandaloneOnes() {
    sources.onChange(changes::incrementAndGet);

    sources.configChanged(
        config(
            istioBridge("istio")
                + "---\n"
                + """
                apiVersion: meshgate.io/v1alpha1
                kind: MeshBridge
                metadata: {name: standalone, namespace: infra}
                spec:
                  mesh: Standalone
                  trustDomain: mesh.example
                  ca: {builtin: {}}
                  gateways: [edge]
                """));

    assertThat(started).isEmpty();
    assertThat(sources.sources()).isEmpty();
    assertThat(changes).hasValue(0);
  }

  @Test
  void aSourcesChangeIsTold() {
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "")));
    sources.onChange(changes::incrementAndGet);

    started.get(0).changed();

    assertThat(changes).hasValue(1);
  }

  @Test
  void aClosedSourcesChangeIsNotTold() {
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "")));
    FakeSource old = started.get(0);
    sources.configChanged(config(consulBridge("mesh", "http://consul-b:8500", "[edge]", "")));
    sources.onChange(changes::incrementAndGet);

    old.changed();

    assertThat(changes).hasValue(0);
  }

  @Test
  void theNodesCredentialsGoOnlyToTheNodesOwnAgent() {
    // given the node's own Consul settings, at another address
    ConsulSettings node = NODE_AGENT;
    List<ConsulSettings> seen = new ArrayList<>();
    try (BridgeSources withNode =
        BridgeSources.of(
            Optional.of(node),
            (consul, namespace, service) -> {
              seen.add(consul);
              return new FakeSource(consul, service);
            })) {
      // when
      withNode.configChanged(
          config(
              consulBridge("elsewhere", "https://consul-a:8501", "[edge]", "")
                  + "---\n"
                  + consulBridge("local", "https://LOCAL-AGENT:8501", "[edge]", "")));

      // then: the node's own agent gets its token and client certificate; another address only
      // the CA file to check the agent's certificate with
      assertThat(seen)
          .containsExactlyInAnyOrder(
              new ConsulSettings(
                  URI.create("https://consul-a:8501"),
                  Optional.empty(),
                  node.caCertificate(),
                  Optional.empty(),
                  Optional.empty()),
              new ConsulSettings(
                  URI.create("https://LOCAL-AGENT:8501"),
                  node.token(),
                  node.caCertificate(),
                  node.clientCertificate(),
                  node.clientKey()));
    }
  }

  @Test
  void aBuildsIdentitiesAreTheMeshCasThenEachBridgeSources() {
    sources.configChanged(
        config(
            consulBridge("b-mesh", "http://consul-b:8500", "[edge]", "")
                + "---\n"
                + consulBridge("a-mesh", "http://consul-a:8500", "[edge]", "")));
    IdentitySnapshot meshCa = problem("mesh CA");
    Set<SpiffeId> ids = Set.of(SpiffeId.consulService(TRUST_DOMAIN, "default", "dc1", "edge"));

    var identities = sources.snapshotsFor(ids, Optional.of(meshCa));

    assertThat(identities.snapshots())
        .extracting(s -> s.problem().orElseThrow().reason())
        .containsExactly("mesh CA", "edge at http://consul-a:8500", "edge at http://consul-b:8500");
    assertThat(started).allSatisfy(s -> assertThat(s.asked).containsExactly(ids));
  }

  @Test
  void closingClosesEverySourceAndIgnoresLaterConfig() {
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge, api]", "")));

    sources.close();
    sources.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[web]", "")));

    assertThat(started).hasSize(2).allSatisfy(s -> assertThat(s.closed).isTrue());
    assertThat(sources.sources()).isEmpty();
  }

  @Test
  void noneIgnoresEveryBridge() {
    try (BridgeSources none = BridgeSources.none()) {
      none.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "")));

      assertThat(none.sources()).isEmpty();
      assertThat(none.snapshotsFor(Set.of(), Optional.empty()).snapshots()).isEmpty();
    }
  }

  private FakeSource byService(String service) {
    return started.stream().filter(s -> s.service.equals(service)).findFirst().orElseThrow();
  }

  private static ConfigSnapshot config(String yaml) {
    return TestConfigs.snapshot(yaml);
  }

  private static String consulBridge(String name, String address, String gateways, String extra) {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: %s, namespace: infra}
        spec:
          mesh: Consul
          trustDomain: %s
          ca: {consul: {address: "%s", datacenter: dc1}}
          gateways: %s
          %s
        """
        .formatted(name, TRUST_DOMAIN, address, gateways, extra);
  }

  private static String istioBridge(String name) {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: %s, namespace: infra}
        spec:
          mesh: Istio
          trustDomain: cluster.local
          ca: {istio: {address: "istiod.istio-system:15012"}}
          gateways: [edge]
        """
        .formatted(name);
  }

  @Test
  void aBridgesOwnTokenGoesToItsAgentInsteadOfTheNodesCredentials() throws Exception {
    // given: a node with its own agent and credentials, and a bridge naming another agent and a
    // token sealed in a Secret of its namespace
    ConsulSettings node = NODE_AGENT;
    List<ConsulSettings> seen = new CopyOnWriteArrayList<>();
    try (BridgeSources withTokens =
        BridgeSources.of(
            Optional.of(node),
            Optional.empty(),
            (consul, namespace, service) -> {
              seen.add(consul);
              return new FakeSource(consul, service);
            },
            settings -> null,
            Optional.empty(),
            settings -> null,
            new BridgeTokens(Optional.of(Cases.testUnsealer())))) {
      // when
      withTokens.configChanged(
          BridgeTokensTest.config(
              "consul-token", BridgeTokensTest.sealed("consul-token", "token", "bridge-token")));

      // then: the bridge's token, the node's CA file, no client certificate
      assertThat(seen)
          .containsExactly(
              new ConsulSettings(
                  URI.create("https://consul-b:8501"),
                  Optional.of("bridge-token"),
                  node.caCertificate(),
                  Optional.empty(),
                  Optional.empty()));
      assertThat(withTokens.bridges().get(0).toString()).doesNotContain("bridge-token");

      // and when the Secret goes, the bridge has no source
      withTokens.configChanged(BridgeTokensTest.config("consul-token", null));
      assertThat(withTokens.sources()).isEmpty();
    }
  }

  private static String pluggedBridge(String name, String trustDomain, String istioNamespace) {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: %s, namespace: infra}
        spec:
          mesh: Istio
          trustDomain: %s
          ca: {istio: {pluggedIn: true, namespace: %s}}
          gateways: [edge]
        """
        .formatted(name, trustDomain, istioNamespace);
  }

  @Test
  void pluggedInBridgesShareOneSourcePerTrustDomainSigningWithTheNodesFiles() {
    // given: a node with the plugged-in CA files, which may sign in Istio namespace gateways
    List<PluggedCaSettings> pluggedStarted = new CopyOnWriteArrayList<>();
    List<FakeSource> pluggedSources = new CopyOnWriteArrayList<>();
    List<IstioCaSettings> istiodStarted = new CopyOnWriteArrayList<>();
    try (BridgeSources withFiles =
        BridgeSources.of(
            Optional.empty(),
            Optional.of(new IstioAccess(Path.of("/token"), Path.of("/root.pem"))),
            (consul, namespace, service) -> new FakeSource(consul, service),
            settings -> {
              istiodStarted.add(settings);
              return new FakeSource(ConsulSettings.at(URI.create("http://unused")), "istiod");
            },
            Optional.of(new IstioPluggedCa(Path.of("/etc/cacerts"), "gateways")),
            settings -> {
              pluggedStarted.add(settings);
              FakeSource source =
                  new FakeSource(ConsulSettings.at(URI.create("http://unused")), "plugged");
              pluggedSources.add(source);
              return source;
            },
            BridgeTokens.none())) {
      // when: two plugged-in bridges of one trust domain, one of another
      withFiles.configChanged(
          config(
              pluggedBridge("a", "cluster.local", "gateways")
                  + "---\n"
                  + pluggedBridge("b", "cluster.local", "gateways")
                  + "---\n"
                  + pluggedBridge("c", "east.example", "gateways")));

      // then: one source per trust domain, reading the node's directory; istiod is not asked
      assertThat(pluggedStarted)
          .extracting(PluggedCaSettings::trustDomain)
          .containsExactlyInAnyOrder("cluster.local", "east.example");
      assertThat(pluggedStarted)
          .extracting(PluggedCaSettings::directory)
          .containsOnly(Path.of("/etc/cacerts"));
      assertThat(istiodStarted).isEmpty();

      // and a build asks them only for IDs of the namespace the files may sign in
      SpiffeId allowed = SpiffeId.workload("cluster.local", "gateways", "edge");
      SpiffeId other = SpiffeId.workload("cluster.local", "istio-system", "istiod");
      withFiles.snapshotsFor(Set.of(allowed, other), Optional.empty());
      assertThat(pluggedSources)
          .allSatisfy(source -> assertThat(source.asked).containsExactly(Set.of(allowed)));

      // and when the bridges go, their sources are closed
      withFiles.configChanged(config(consulBridge("mesh", "http://consul-a:8500", "[edge]", "")));
      assertThat(pluggedSources).allSatisfy(source -> assertThat(source.closed).isTrue());
    }
  }

  @Test
  void aNodeWithoutPluggedInFilesStartsNoSourceForAPluggedInBridge() {
    List<PluggedCaSettings> pluggedStarted = new CopyOnWriteArrayList<>();
    try (BridgeSources withoutFiles =
        BridgeSources.of(
            Optional.empty(),
            Optional.empty(),
            (consul, namespace, service) -> new FakeSource(consul, service),
            settings -> null,
            Optional.empty(),
            settings -> {
              pluggedStarted.add(settings);
              return null;
            },
            BridgeTokens.none())) {
      withoutFiles.configChanged(config(pluggedBridge("a", "cluster.local", "gateways")));

      assertThat(pluggedStarted).isEmpty();
      assertThat(withoutFiles.sources()).isEmpty();
    }
  }

  @Test
  void anIstioBridgeGetsASourcePerGatewayIdentityWithTheNodesTokenAndRoot() {
    // given: a node with Istio access
    IstioAccess access =
        new IstioAccess(
            Path.of("/var/run/secrets/istio-token"), Path.of("/etc/istio/root-cert.pem"));
    List<IstioCaSettings> istioStarted = new CopyOnWriteArrayList<>();
    try (BridgeSources withIstio =
        BridgeSources.of(
            Optional.empty(),
            Optional.of(access),
            (consul, namespace, service) -> new FakeSource(consul, service),
            settings -> {
              istioStarted.add(settings);
              return new FakeSource(ConsulSettings.at(URI.create("http://unused")), "istio");
            })) {
      withIstio.onChange(changes::incrementAndGet);

      // when: an Istio bridge of two Gateways, one service account for both, its namespace set
      withIstio.configChanged(
          config(
              """
              apiVersion: meshgate.io/v1alpha1
              kind: MeshBridge
              metadata: {name: istio, namespace: infra}
              spec:
                mesh: Istio
                trustDomain: cluster.local
                ca: {istio: {address: "istiod.istio-system:15012", clusterID: east, namespace: gateways}}
                gateways: [edge, internal]
              """));

      // then: one source per Gateway identity, asking istiod with the node's token and root
      assertThat(istioStarted)
          .containsExactlyInAnyOrder(
              new IstioCaSettings(
                  "istiod.istio-system:15012",
                  Optional.of(access.caCertificate()),
                  access.tokenFile(),
                  "cluster.local",
                  "gateways",
                  "edge",
                  Optional.of("east"),
                  IstioCaSettings.DEFAULT_TTL),
              new IstioCaSettings(
                  "istiod.istio-system:15012",
                  Optional.of(access.caCertificate()),
                  access.tokenFile(),
                  "cluster.local",
                  "gateways",
                  "internal",
                  Optional.of("east"),
                  IstioCaSettings.DEFAULT_TTL));
      assertThat(withIstio.sources()).hasSize(2);
      assertThat(changes).hasValue(1);

      // when: the same config again
      withIstio.configChanged(
          config(
              """
              apiVersion: meshgate.io/v1alpha1
              kind: MeshBridge
              metadata: {name: istio, namespace: infra}
              spec:
                mesh: Istio
                trustDomain: cluster.local
                ca: {istio: {address: "istiod.istio-system:15012", clusterID: east, namespace: gateways}}
                gateways: [edge, internal]
              """));

      // then: nothing restarted
      assertThat(istioStarted).hasSize(2);
      assertThat(changes).hasValue(1);

      // when: the bridge goes
      withIstio.configChanged(config(""));

      // then
      assertThat(withIstio.sources()).isEmpty();
      assertThat(changes).hasValue(2);
    }
  }

  private static IdentitySnapshot problem(String reason) {
    return IdentitySnapshot.unavailable(new IdentitySnapshot.Problem(reason, Instant.EPOCH));
  }

  /** Records how it was started, what it was asked and whether it was closed. */
  private static final class FakeSource implements IdentitySource {
    final ConsulSettings consul;
    final String service;
    final List<Set<SpiffeId>> asked = new CopyOnWriteArrayList<>();
    final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    FakeSource(ConsulSettings consul, String service) {
      this.consul = consul;
      this.service = service;
    }

    void changed() {
      listeners.forEach(Runnable::run);
    }

    @Override
    public Optional<String> trustDomain() {
      return Optional.empty();
    }

    @Override
    public IdentitySnapshot snapshotFor(Set<SpiffeId> ids) {
      asked.add(ids);
      return problem(service + " at " + consul.address());
    }

    @Override
    public SignedIdentity sign(SpiffeId id, PublicKey publicKey) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<TrustBundle> bundle() {
      return Optional.empty();
    }

    @Override
    public void onChange(Runnable listener) {
      listeners.add(listener);
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
