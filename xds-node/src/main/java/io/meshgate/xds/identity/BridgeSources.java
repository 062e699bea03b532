package io.meshgate.xds.identity;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.ConsulCa;
import io.meshgate.config.model.IstioCa;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.MeshBridgeSpec;
import io.meshgate.config.model.MeshKind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.meshbridge.consul.ConsulConnectSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.istio.IstioCaSettings;
import io.meshgate.meshbridge.istio.IstioCaSource;
import io.meshgate.meshbridge.istio.PluggedCaSettings;
import io.meshgate.meshbridge.istio.PluggedCaSource;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity sources of the meshes that MeshBridges join: one {@link IdentitySource} per
 * MeshBridge and Consul service its Gateways take (a Gateway's own name, or the bridge's {@code
 * serviceName}), for bridges with {@code mesh: Consul} and {@code ca.consul}. Each source watches
 * the Connect CA roots and the service's leaf at the agent {@code ca.consul.address} names ({@link
 * ConsulConnectSource} by default).
 *
 * <p>{@link #configChanged} starts a source for each new (bridge, service, address, datacenter),
 * keeps the ones whose four are unchanged (no restart, no new leaf) and closes the others: a
 * changed address or service name closes the old source and starts a new one.
 *
 * <p>How a source reaches its agent: the bridge's {@code ca.consul.address}, trusting the CA file
 * of this node's own Consul settings ({@code CONSUL_CACERT}, the ones discovery uses) when it has
 * one. The node's credentials, its token ({@code CONSUL_HTTP_TOKEN}) and client certificate ({@code
 * CONSUL_CLIENT_CERT}, {@code CONSUL_CLIENT_KEY}), go only to the node's own agent: a bridge whose
 * address is another (scheme, host and port) gets none, so that a MeshBridge, which any namespace
 * may write, cannot send the node's Consul token elsewhere. The bridge's {@code
 * ca.consul.namespace} goes with the leaf and intention queries ({@code ns}); a bridge in a
 * partition other than {@code default} gets no source (the resolver reports it). A bridge that
 * names {@code ca.consul.token} (a value sealed in a Secret of its namespace, {@link BridgeTokens})
 * reaches its agent with that token instead, wherever the agent is, and without the node's client
 * certificate; a token that cannot be read leaves the bridge without a source (said once per
 * reason), and a changed one restarts it. Standalone bridges and Consul ones with another CA get no
 * source.
 *
 * <p>Istio bridges: one {@code IstioCaSource} per (bridge, Gateway identity), asking istiod at
 * {@code ca.istio.address} with this node's {@link IstioAccess} (its token, read for each request,
 * and the Istio root istiod's TLS must chain to, so the token reaches only istiod). A node without
 * that access starts none (said once per bridge). Istio bridges with {@code ca.istio.pluggedIn}
 * instead share one {@code PluggedCaSource} per trust domain that signs with this node's {@link
 * IstioPluggedCa} files, and is asked only for the IDs of the one Istio namespace those files may
 * sign in; a node without the files starts none (said once per bridge).
 *
 * <p>Thread-safe: {@link #configChanged} and {@link #close} run one at a time; {@link #sources},
 * {@link #snapshotsFor} and listeners read an immutable view of the running sources.
 */
public final class BridgeSources implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BridgeSources.class);

  /**
   * Starts the identity source of one Consul service at one agent, in a Consul namespace when the
   * bridge names one.
   */
  @FunctionalInterface
  public interface Factory {
    IdentitySource start(ConsulSettings consul, Optional<String> namespace, String service);
  }

  /** Starts the identity source of one Istio workload identity at one istiod. */
  @FunctionalInterface
  public interface IstioFactory {
    IdentitySource start(IstioCaSettings settings);
  }

  /**
   * Starts the source that signs with an Istio mesh's plugged-in CA files, for one trust domain.
   */
  @FunctionalInterface
  public interface PluggedFactory {
    IdentitySource start(PluggedCaSettings settings);
  }

  /** What one Istio source is for: a MeshBridge and the settings its Gateway's identity takes. */
  public record IstioBridge(ResourceKey bridge, IstioCaSettings settings)
      implements Comparable<IstioBridge> {
    public IstioBridge {
      requireNonNull(bridge, "bridge");
      requireNonNull(settings, "settings");
    }

    @Override
    public int compareTo(IstioBridge other) {
      return Comparator.comparing(IstioBridge::bridge)
          .thenComparing(b -> b.settings().id().toString())
          .thenComparing(b -> b.settings().address())
          .compare(this, other);
    }
  }

  /**
   * What one source is for: a MeshBridge, the Consul service its Gateway takes, and the agent and
   * datacenter of its CA. Two Gateways of a bridge with one service name share a source.
   *
   * @param datacenter {@code ca.consul.datacenter}, empty when not set
   * @param namespace {@code ca.consul.namespace} (Consul Enterprise), empty when not set
   * @param token the token {@code ca.consul.token} names, empty when it names none
   */
  public record Bridge(
      ResourceKey bridge,
      String service,
      URI address,
      Optional<String> datacenter,
      Optional<String> namespace,
      Optional<BridgeTokens.Token> token)
      implements Comparable<Bridge> {
    private static final Comparator<Bridge> ORDER =
        Comparator.comparing(Bridge::bridge)
            .thenComparing(Bridge::service)
            .thenComparing(Bridge::address)
            .thenComparing(b -> b.datacenter().orElse(""))
            .thenComparing(b -> b.namespace().orElse(""));

    public Bridge {
      requireNonNull(bridge, "bridge");
      requireNonNull(service, "service");
      requireNonNull(address, "address");
      requireNonNull(datacenter, "datacenter");
      requireNonNull(namespace, "namespace");
      requireNonNull(token, "token");
    }

    /** Without a namespace or a token of its own. */
    public Bridge(ResourceKey bridge, String service, URI address, Optional<String> datacenter) {
      this(bridge, service, address, datacenter, Optional.empty(), Optional.empty());
    }

    @Override
    public int compareTo(Bridge other) {
      return ORDER.compare(this, other);
    }
  }

  private final Optional<ConsulSettings> node;
  private final Optional<IstioAccess> istio;
  private final Optional<IstioPluggedCa> plugged;
  private final PluggedFactory pluggedFactory;
  private final BridgeTokens tokens;
  private final Set<String> toldTokens = new HashSet<>();
  // Null for none(): config is ignored.
  private final @Nullable Factory factory;
  private final @Nullable IstioFactory istioFactory;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Set<ResourceKey> toldIstio = new HashSet<>();
  // Sorted by Bridge; replaced whole under the lock (this), read without it.
  private volatile SortedMap<Bridge, IdentitySource> running = Collections.emptySortedMap();
  private volatile SortedMap<IstioBridge, IdentitySource> runningIstio =
      Collections.emptySortedMap();
  // By trust domain: one source signs every Gateway identity of that domain the builds ask for.
  private volatile SortedMap<String, IdentitySource> runningPlugged = Collections.emptySortedMap();
  private boolean closed;

  private BridgeSources(
      Optional<ConsulSettings> node,
      Optional<IstioAccess> istio,
      @Nullable Factory factory,
      @Nullable IstioFactory istioFactory,
      Optional<IstioPluggedCa> plugged,
      PluggedFactory pluggedFactory,
      BridgeTokens tokens) {
    this.tokens = requireNonNull(tokens, "tokens");
    this.node = requireNonNull(node, "node");
    this.istio = requireNonNull(istio, "istio");
    this.factory = factory;
    this.istioFactory = istioFactory;
    this.plugged = requireNonNull(plugged, "plugged");
    this.pluggedFactory = requireNonNull(pluggedFactory, "pluggedFactory");
  }

  /**
   * Sources from {@link ConsulConnectSource}, reaching each bridge's agent as the class says: with
   * {@code node}'s CA file, and its credentials only when the agent is {@code node}'s own.
   */
  public static BridgeSources of(Optional<ConsulSettings> node) {
    return of(node, Optional.empty());
  }

  /**
   * The same, and sources from {@link IstioCaSource} for Istio bridges when this node has {@code
   * istio} access.
   */
  public static BridgeSources of(Optional<ConsulSettings> node, Optional<IstioAccess> istio) {
    return of(node, istio, Optional.empty());
  }

  /**
   * The same, and a source signing with {@code plugged}'s files for the Istio bridges that say
   * {@code ca.istio.pluggedIn} ({@link PluggedCaSource}).
   */
  public static BridgeSources of(
      Optional<ConsulSettings> node,
      Optional<IstioAccess> istio,
      Optional<IstioPluggedCa> plugged) {
    return of(node, istio, plugged, BridgeTokens.none());
  }

  /** The same, reading the tokens bridges name ({@code ca.consul.token}) with {@code tokens}. */
  public static BridgeSources of(
      Optional<ConsulSettings> node,
      Optional<IstioAccess> istio,
      Optional<IstioPluggedCa> plugged,
      BridgeTokens tokens) {
    return new BridgeSources(
        node,
        istio,
        (consul, namespace, service) ->
            ConsulConnectSource.start(consul, namespace, service, Clock.systemUTC()),
        settings -> IstioCaSource.start(settings, Clock.systemUTC()),
        plugged,
        settings -> PluggedCaSource.start(settings, Clock.systemUTC()),
        tokens);
  }

  /** Sources from the factories, and plugged-in CA sources from {@code pluggedFactory}. */
  public static BridgeSources of(
      Optional<ConsulSettings> node,
      Optional<IstioAccess> istio,
      Factory factory,
      IstioFactory istioFactory,
      Optional<IstioPluggedCa> plugged,
      PluggedFactory pluggedFactory,
      BridgeTokens tokens) {
    return new BridgeSources(
        node,
        istio,
        requireNonNull(factory, "factory"),
        requireNonNull(istioFactory, "istioFactory"),
        plugged,
        pluggedFactory,
        tokens);
  }

  /** Sources from {@code factory}, no Istio ones. */
  public static BridgeSources of(Optional<ConsulSettings> node, Factory factory) {
    return of(node, Optional.empty(), factory, settings -> null);
  }

  /** Sources from the factories. */
  public static BridgeSources of(
      Optional<ConsulSettings> node,
      Optional<IstioAccess> istio,
      Factory factory,
      IstioFactory istioFactory) {
    return new BridgeSources(
        node,
        istio,
        requireNonNull(factory, "factory"),
        requireNonNull(istioFactory, "istioFactory"),
        Optional.empty(),
        settings -> null,
        BridgeTokens.none());
  }

  /** None, whatever the config: for pipelines without bridged meshes. */
  public static BridgeSources none() {
    return new BridgeSources(
        Optional.empty(),
        Optional.empty(),
        null,
        null,
        Optional.empty(),
        settings -> null,
        BridgeTokens.none());
  }

  /**
   * Starts the sources {@code config}'s MeshBridges need and this does not run yet, closes the
   * running ones it no longer names, and tells the listeners when the set changed.
   */
  public void configChanged(ConfigSnapshot config) {
    requireNonNull(config, "config");
    boolean changed;
    synchronized (this) {
      if (closed || factory == null) {
        return;
      }
      Set<Bridge> wanted = wanted(config);
      Map<Bridge, IdentitySource> before = running;
      SortedMap<Bridge, IdentitySource> after = new TreeMap<>();
      for (Bridge bridge : wanted) {
        IdentitySource kept = before.get(bridge);
        if (kept != null) {
          after.put(bridge, kept);
          continue;
        }
        IdentitySource started = start(factory, bridge);
        if (started != null) {
          after.put(bridge, started);
        }
      }
      running = Collections.unmodifiableSortedMap(after);
      for (Map.Entry<Bridge, IdentitySource> entry : before.entrySet()) {
        if (!after.containsKey(entry.getKey())) {
          log.info("closing the identity source of {}", entry.getKey());
          closeQuietly(entry.getValue());
        }
      }
      changed = !before.keySet().equals(after.keySet());
      Map<IstioBridge, IdentitySource> istioBefore = runningIstio;
      SortedMap<IstioBridge, IdentitySource> istioAfter = new TreeMap<>();
      for (IstioBridge bridge : wantedIstio(config)) {
        IdentitySource kept = istioBefore.get(bridge);
        IdentitySource source = kept != null ? kept : startIstio(bridge);
        if (source != null) {
          istioAfter.put(bridge, source);
        }
      }
      runningIstio = Collections.unmodifiableSortedMap(istioAfter);
      for (Map.Entry<IstioBridge, IdentitySource> entry : istioBefore.entrySet()) {
        if (!istioAfter.containsKey(entry.getKey())) {
          log.info("closing the identity source of {}", entry.getKey());
          closeQuietly(entry.getValue());
        }
      }
      changed |= !istioBefore.keySet().equals(istioAfter.keySet());
      Map<String, IdentitySource> pluggedBefore = runningPlugged;
      SortedMap<String, IdentitySource> pluggedAfter = new TreeMap<>();
      for (String trustDomain : wantedPlugged(config)) {
        IdentitySource kept = pluggedBefore.get(trustDomain);
        IdentitySource source = kept != null ? kept : startPlugged(trustDomain);
        if (source != null) {
          pluggedAfter.put(trustDomain, source);
        }
      }
      runningPlugged = Collections.unmodifiableSortedMap(pluggedAfter);
      for (Map.Entry<String, IdentitySource> entry : pluggedBefore.entrySet()) {
        if (!pluggedAfter.containsKey(entry.getKey())) {
          log.info("closing the plugged-in CA source of {}", entry.getKey());
          closeQuietly(entry.getValue());
        }
      }
      changed |= !pluggedBefore.keySet().equals(pluggedAfter.keySet());
    }
    if (changed) {
      fire();
    }
  }

  /**
   * The running sources: Consul's by bridge then service, Istio's by bridge then ID, then the
   * plugged-in CA's by trust domain.
   */
  public List<IdentitySource> sources() {
    List<IdentitySource> sources = new ArrayList<>(running.values());
    sources.addAll(runningIstio.values());
    sources.addAll(runningPlugged.values());
    return List.copyOf(sources);
  }

  /** What each running Istio source is for. */
  public List<IstioBridge> istioBridges() {
    return List.copyOf(runningIstio.keySet());
  }

  /** What each running source is for, in the order of {@link #sources()}. */
  public List<Bridge> bridges() {
    return List.copyOf(running.keySet());
  }

  /**
   * A build's identities, after telling each source the {@code targets} the build's Gateways call
   * (so that a Consul bridge reports the intentions that deny them): {@code meshCa}'s snapshot
   * first (meshgate's own CA), then each running source's snapshot of {@code ids}, in the order of
   * {@link #sources()}.
   */
  public Identities snapshotsFor(
      Set<SpiffeId> ids, Set<SpiffeId> targets, Optional<IdentitySnapshot> meshCa) {
    requireNonNull(targets, "targets");
    for (IdentitySource source : sources()) {
      source.watchTargets(targets);
    }
    return snapshotsFor(ids, meshCa);
  }

  /** The same, leaving the sources' targets as they are. */
  public Identities snapshotsFor(Set<SpiffeId> ids, Optional<IdentitySnapshot> meshCa) {
    requireNonNull(ids, "ids");
    requireNonNull(meshCa, "meshCa");
    List<IdentitySnapshot> snapshots = new ArrayList<>();
    meshCa.ifPresent(snapshots::add);
    Collection<IdentitySource> signing = runningPlugged.values();
    Set<SpiffeId> pluggedIds = plugged.map(p -> inNamespace(ids, p.namespace())).orElse(Set.of());
    for (IdentitySource source : sources()) {
      // The plugged-in CA signs what it is asked: only the IDs of the namespace it may sign in.
      snapshots.add(source.snapshotFor(signing.contains(source) ? pluggedIds : ids));
    }
    return new Identities(snapshots);
  }

  /**
   * Runs {@code listener} when a running source's snapshot would differ, or a source was started or
   * closed.
   */
  public void onChange(Runnable listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /** Closes every running source; later config is ignored. */
  @Override
  public void close() {
    Map<Bridge, IdentitySource> before;
    Map<IstioBridge, IdentitySource> istioBefore;
    Map<String, IdentitySource> pluggedBefore;
    synchronized (this) {
      closed = true;
      before = running;
      istioBefore = runningIstio;
      pluggedBefore = runningPlugged;
      running = Collections.emptySortedMap();
      runningIstio = Collections.emptySortedMap();
      runningPlugged = Collections.emptySortedMap();
    }
    before.values().forEach(BridgeSources::closeQuietly);
    istioBefore.values().forEach(BridgeSources::closeQuietly);
    pluggedBefore.values().forEach(BridgeSources::closeQuietly);
  }

  private Set<Bridge> wanted(ConfigSnapshot config) {
    Set<Bridge> wanted = new HashSet<>();
    for (Resource resource : config.ofKind(Kind.MESH_BRIDGE)) {
      MeshBridgeSpec spec = resource.spec(MeshBridgeSpec.class);
      if (spec.mesh() == MeshKind.ISTIO) {
        continue;
      }
      ConsulCa consul = spec.ca().consul();
      if (spec.mesh() != MeshKind.CONSUL || consul == null || !consul.inDefaultPartition()) {
        continue;
      }
      URI address;
      try {
        address = new URI(consul.address());
      } catch (URISyntaxException e) {
        log.warn(
            "{}: no identity source, the address is no URI: {}", resource.key(), e.getMessage());
        continue;
      }
      Optional<BridgeTokens.Token> token = Optional.empty();
      if (consul.token() != null) {
        BridgeTokens.Read read = tokens.read(config, resource, consul.token());
        if (read instanceof BridgeTokens.Unreadable unreadable) {
          if (toldTokens.add(resource.key() + ": " + unreadable.reason())) {
            log.warn(
                "{}: no identity source, ca.consul.token cannot be read: {}",
                resource.key(),
                unreadable.reason());
          }
          continue;
        }
        token = Optional.of((BridgeTokens.Token) read);
      }
      for (String gateway : spec.gateways()) {
        String service = spec.serviceName() == null ? gateway : spec.serviceName();
        wanted.add(
            new Bridge(
                resource.key(),
                service,
                address,
                Optional.ofNullable(consul.datacenter()),
                Optional.ofNullable(consul.namespace()),
                token));
      }
    }
    return wanted;
  }

  /**
   * The Istio sources {@code config} needs: one per Istio bridge and Gateway identity, with this
   * node's token and Istio root; none without them (said once per bridge).
   */
  private Set<IstioBridge> wantedIstio(ConfigSnapshot config) {
    Set<IstioBridge> wanted = new HashSet<>();
    for (Resource resource : config.ofKind(Kind.MESH_BRIDGE)) {
      MeshBridgeSpec spec = resource.spec(MeshBridgeSpec.class);
      IstioCa ca = spec.ca().istio();
      if (spec.mesh() != MeshKind.ISTIO || ca == null || ca.usesPluggedIn()) {
        continue;
      }
      if (istio.isEmpty()) {
        if (toldIstio.add(resource.key())) {
          log.warn(
              "{}: no identity source: this node has no Istio token and root"
                  + " (MESHGATE_ISTIO_TOKEN_FILE, MESHGATE_ISTIO_CA_FILE)",
              resource.key());
        }
        continue;
      }
      String namespace = ca.namespace() == null ? resource.metadata().namespace() : ca.namespace();
      for (String gateway : spec.gateways()) {
        String serviceAccount = spec.serviceName() == null ? gateway : spec.serviceName();
        try {
          wanted.add(
              new IstioBridge(
                  resource.key(),
                  new IstioCaSettings(
                      ca.address(),
                      Optional.of(istio.get().caCertificate()),
                      istio.get().tokenFile(),
                      spec.trustDomain(),
                      namespace,
                      serviceAccount,
                      Optional.ofNullable(ca.clusterID()),
                      IstioCaSettings.DEFAULT_TTL)));
        } catch (IllegalArgumentException e) {
          log.warn("{}: no identity source for {}: {}", resource.key(), gateway, e.getMessage());
        }
      }
    }
    return wanted;
  }

  /**
   * The trust domains of the Istio bridges that sign with the plugged-in CA; none without this
   * node's files (said once per bridge), and a bridge whose Gateways' Istio namespace is not the
   * one the files may sign in is told once and gets no identity.
   */
  private Set<String> wantedPlugged(ConfigSnapshot config) {
    Set<String> wanted = new HashSet<>();
    for (Resource resource : config.ofKind(Kind.MESH_BRIDGE)) {
      MeshBridgeSpec spec = resource.spec(MeshBridgeSpec.class);
      IstioCa ca = spec.ca().istio();
      if (spec.mesh() != MeshKind.ISTIO || ca == null || !ca.usesPluggedIn()) {
        continue;
      }
      if (plugged.isEmpty()) {
        if (toldIstio.add(resource.key())) {
          log.warn(
              "{}: no identity source: this node has no Istio plugged-in CA files"
                  + " (MESHGATE_ISTIO_CACERTS_DIR, MESHGATE_ISTIO_CACERTS_NAMESPACE)",
              resource.key());
        }
        continue;
      }
      String namespace = ca.namespace() == null ? resource.metadata().namespace() : ca.namespace();
      if (!namespace.equals(plugged.get().namespace()) && toldIstio.add(resource.key())) {
        log.warn(
            "{}: its Gateways' Istio namespace {} is not {}, the one this node's plugged-in CA may"
                + " sign in (MESHGATE_ISTIO_CACERTS_NAMESPACE); they get no identity",
            resource.key(),
            namespace,
            plugged.get().namespace());
      }
      wanted.add(spec.trustDomain());
    }
    return wanted;
  }

  private static Set<SpiffeId> inNamespace(Set<SpiffeId> ids, String namespace) {
    Set<SpiffeId> in = new HashSet<>();
    for (SpiffeId id : ids) {
      if (id.asWorkload().map(w -> w.namespace().equals(namespace)).orElse(false)) {
        in.add(id);
      }
    }
    return in;
  }

  /** The plugged-in CA's source of a trust domain; null when its files cannot be used. */
  private @Nullable IdentitySource startPlugged(String trustDomain) {
    IdentitySource source;
    try {
      source =
          pluggedFactory.start(
              new PluggedCaSettings(
                  plugged.orElseThrow().directory(), trustDomain, PluggedCaSettings.DEFAULT_TTL));
    } catch (RuntimeException e) {
      log.warn(
          "cannot start the plugged-in CA source of trust domain {}: {}",
          trustDomain,
          e.getMessage());
      return null;
    }
    if (source == null) {
      return null;
    }
    log.info("started the plugged-in CA source of trust domain {}: {}", trustDomain, source);
    source.onChange(
        () -> {
          if (runningPlugged.get(trustDomain) == source) {
            fire();
          }
        });
    return source;
  }

  /** An Istio bridge's source, told to fire while it is running; null when it could not start. */
  private @Nullable IdentitySource startIstio(IstioBridge bridge) {
    IdentitySource source;
    try {
      source = istioFactory == null ? null : istioFactory.start(bridge.settings());
    } catch (RuntimeException e) {
      log.warn("cannot start the identity source of {}: {}", bridge, e.toString());
      return null;
    }
    if (source == null) {
      return null;
    }
    log.info("started the identity source of {}: {}", bridge, source);
    source.onChange(
        () -> {
          if (runningIstio.get(bridge) == source) {
            fire();
          }
        });
    return source;
  }

  /**
   * How this node reaches the agent at {@code address} that a MeshBridge names: trusting {@code
   * node}'s CA file, and with {@code node}'s token and client certificate only when {@code address}
   * is {@code node}'s own agent (same scheme, host and port), so that a MeshBridge, which any
   * namespace may write, cannot send the node's credentials elsewhere.
   */
  public static ConsulSettings agentSettings(Optional<ConsulSettings> node, URI address) {
    requireNonNull(address, "address");
    return node.map(
            n ->
                sameAgent(n.address(), address)
                    ? new ConsulSettings(
                        address, n.token(), n.caCertificate(), n.clientCertificate(), n.clientKey())
                    : new ConsulSettings(
                        address,
                        Optional.empty(),
                        n.caCertificate(),
                        Optional.empty(),
                        Optional.empty()))
        .orElseGet(() -> ConsulSettings.at(address));
  }

  /**
   * How this node reaches the agent at {@code address} with a bridge's own token: trusting {@code
   * node}'s CA file, without the node's client certificate.
   */
  public static ConsulSettings withToken(
      Optional<ConsulSettings> node, URI address, BridgeTokens.Token token) {
    return new ConsulSettings(
        address,
        Optional.of(token.value()),
        node.flatMap(ConsulSettings::caCertificate),
        Optional.empty(),
        Optional.empty());
  }

  /** Whether two addresses name one agent: same scheme, host and port (defaults filled in). */
  static boolean sameAgent(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  /** The bridge's source, told to fire while it is running; null when it could not start. */
  private @Nullable IdentitySource start(Factory factory, Bridge bridge) {
    ConsulSettings settings =
        bridge.token().isPresent()
            ? withToken(node, bridge.address(), bridge.token().get())
            : agentSettings(node, bridge.address());
    IdentitySource source;
    try {
      source =
          requireNonNull(
              factory.start(settings, bridge.namespace(), bridge.service()), "factory's source");
    } catch (RuntimeException e) {
      log.warn("cannot start the identity source of {}: {}", bridge, e.toString());
      return null;
    }
    log.info("started the identity source of {}: {}", bridge, source);
    source.onChange(
        () -> {
          // A closed source's last words are no change.
          if (running.get(bridge) == source) {
            fire();
          }
        });
    return source;
  }

  private void fire() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.error("bridge sources listener failed", e);
      }
    }
  }

  private static void closeQuietly(IdentitySource source) {
    try {
      source.close();
    } catch (RuntimeException e) {
      log.warn("closing {} failed: {}", source, e.toString());
    }
  }

  @Override
  public String toString() {
    return "BridgeSources" + bridges();
  }
}
