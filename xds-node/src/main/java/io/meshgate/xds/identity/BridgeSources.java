package io.meshgate.xds.identity;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.ConsulCa;
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
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.ArrayList;
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
 * may write, cannot send the node's Consul token elsewhere. Not yet done: the bridge's {@code
 * ca.consul.token} (a Secret reference) is not read; {@code ca.consul.namespace} and {@code
 * partition} are not sent to the agent (they only shape the SPIFFE IDs asked for). Bridges with
 * {@code mesh: Istio} get no source yet (logged once per bridge), nor do Standalone ones or Consul
 * ones with another CA.
 *
 * <p>Thread-safe: {@link #configChanged} and {@link #close} run one at a time; {@link #sources},
 * {@link #snapshotsFor} and listeners read an immutable view of the running sources.
 */
public final class BridgeSources implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BridgeSources.class);

  /** Starts the identity source of one Consul service at one agent. */
  @FunctionalInterface
  public interface Factory {
    IdentitySource start(ConsulSettings consul, String service);
  }

  /**
   * What one source is for: a MeshBridge, the Consul service its Gateway takes, and the agent and
   * datacenter of its CA. Two Gateways of a bridge with one service name share a source.
   *
   * @param datacenter {@code ca.consul.datacenter}, empty when not set
   */
  public record Bridge(ResourceKey bridge, String service, URI address, Optional<String> datacenter)
      implements Comparable<Bridge> {
    private static final Comparator<Bridge> ORDER =
        Comparator.comparing(Bridge::bridge)
            .thenComparing(Bridge::service)
            .thenComparing(Bridge::address)
            .thenComparing(b -> b.datacenter().orElse(""));

    public Bridge {
      requireNonNull(bridge, "bridge");
      requireNonNull(service, "service");
      requireNonNull(address, "address");
      requireNonNull(datacenter, "datacenter");
    }

    @Override
    public int compareTo(Bridge other) {
      return ORDER.compare(this, other);
    }
  }

  private final Optional<ConsulSettings> node;
  // Null for none(): config is ignored.
  private final @Nullable Factory factory;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Set<ResourceKey> toldIstio = new HashSet<>();
  // Sorted by Bridge; replaced whole under the lock (this), read without it.
  private volatile SortedMap<Bridge, IdentitySource> running = Collections.emptySortedMap();
  private boolean closed;

  private BridgeSources(Optional<ConsulSettings> node, @Nullable Factory factory) {
    this.node = requireNonNull(node, "node");
    this.factory = factory;
  }

  /**
   * Sources from {@link ConsulConnectSource}, reaching each bridge's agent as the class says: with
   * {@code node}'s CA file, and its credentials only when the agent is {@code node}'s own.
   */
  public static BridgeSources of(Optional<ConsulSettings> node) {
    return of(
        node, (consul, service) -> ConsulConnectSource.start(consul, service, Clock.systemUTC()));
  }

  /** Sources from {@code factory}. */
  public static BridgeSources of(Optional<ConsulSettings> node, Factory factory) {
    return new BridgeSources(node, requireNonNull(factory, "factory"));
  }

  /** None, whatever the config: for pipelines without bridged meshes. */
  public static BridgeSources none() {
    return new BridgeSources(Optional.empty(), null);
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
    }
    if (changed) {
      fire();
    }
  }

  /** The running sources, by bridge then service. */
  public List<IdentitySource> sources() {
    return List.copyOf(running.values());
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
    for (IdentitySource source : sources()) {
      snapshots.add(source.snapshotFor(ids));
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
    synchronized (this) {
      closed = true;
      before = running;
      running = Collections.emptySortedMap();
    }
    before.values().forEach(BridgeSources::closeQuietly);
  }

  private Set<Bridge> wanted(ConfigSnapshot config) {
    Set<Bridge> wanted = new HashSet<>();
    for (Resource resource : config.ofKind(Kind.MESH_BRIDGE)) {
      MeshBridgeSpec spec = resource.spec(MeshBridgeSpec.class);
      if (spec.mesh() == MeshKind.ISTIO) {
        if (toldIstio.add(resource.key())) {
          log.info("{}: Istio bridges get no identity source yet", resource.key());
        }
        continue;
      }
      ConsulCa consul = spec.ca().consul();
      if (spec.mesh() != MeshKind.CONSUL || consul == null) {
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
      for (String gateway : spec.gateways()) {
        String service = spec.serviceName() == null ? gateway : spec.serviceName();
        wanted.add(
            new Bridge(resource.key(), service, address, Optional.ofNullable(consul.datacenter())));
      }
    }
    return wanted;
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
        node.map(
                n ->
                    sameAgent(n.address(), bridge.address())
                        ? new ConsulSettings(
                            bridge.address(),
                            n.token(),
                            n.caCertificate(),
                            n.clientCertificate(),
                            n.clientKey())
                        : new ConsulSettings(
                            bridge.address(),
                            Optional.empty(),
                            n.caCertificate(),
                            Optional.empty(),
                            Optional.empty()))
            .orElseGet(() -> ConsulSettings.at(bridge.address()));
    IdentitySource source;
    try {
      source = requireNonNull(factory.start(settings, bridge.service()), "factory's source");
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
