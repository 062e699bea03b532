package io.meshgate.xds.register;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.ConsulCa;
import io.meshgate.config.model.GatewayListener;
import io.meshgate.config.model.GatewaySpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.MeshBridgeSpec;
import io.meshgate.config.model.MeshKind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.consul.ConsulClient.ConsulException;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.meshbridge.consul.AgentServices;
import io.meshgate.meshbridge.consul.GatewayService;
import io.meshgate.xds.identity.BridgeSources;
import io.meshgate.xds.identity.BridgeTokens;
import io.meshgate.xds.serve.StreamEvents;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gateways that a Consul MeshBridge joins to Consul Connect show in Consul's catalog while they are
 * connected: for each open ADS stream of a group {@code gateway/<namespace>/<name>} on this node,
 * and each MeshBridge of that namespace with {@code mesh: Consul} and {@code ca.consul} that lists
 * the Gateway, one Connect-native instance of the bridge's service ({@code serviceName}, else the
 * Gateway's name) is registered with the agent at {@code ca.consul.address} ({@link
 * GatewayService}): at the address the stream's connection comes from, on the Gateway's lowest
 * listener port, with a TTL check this node passes every third of the TTL while the stream lives.
 * The instance's ID is the service and a hash of the proxy's node id, so a proxy that reconnects,
 * here or through another node, registers the same ID again.
 *
 * <p>When the stream ends, or this node stops or dies, the check is left to run out: the instance
 * turns critical after the TTL and Consul removes it a minute later ({@code
 * DeregisterCriticalServiceAfter}), unless the proxy came back first. When the config no longer
 * joins the Gateway to that bridge while its stream is open, the instance is deregistered at once.
 *
 * <p>The bridge's {@code ca.consul.namespace} (Consul Enterprise) is the instance's {@code
 * Namespace}; a bridge in a partition other than {@code default} registers nothing.
 *
 * <p>Credentials as for the identity sources ({@link BridgeSources#agentSettings}): the bridge's
 * own {@code ca.consul.token} where it names one, else this node's Consul token and client
 * certificate, which go only to its own agent. The token needs {@code service:write} on the
 * service. A refusal or an unreachable agent is logged and tried again on the next round; nothing
 * else waits for it.
 *
 * <p>Threading: stream events arrive on gRPC's threads and are handled, with the rounds, on one
 * thread of this class's own, since each is an HTTP round trip.
 */
public final class ConsulGatewayRegistrations implements StreamEvents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsulGatewayRegistrations.class);

  private static final String GROUP_PREFIX = "gateway/";

  /** The check's TTL unless told otherwise. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);

  /** How long Consul keeps a critical instance: its minimum. */
  public static final Duration DEREGISTER_AFTER = Duration.ofMinutes(1);

  private final Optional<ConsulSettings> node;
  private final Supplier<ConfigSnapshot> config;
  private final Function<ConsulSettings, AgentServices> agents;
  private final String replicaId;
  private final Duration ttl;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "meshgate-consul-gateway-registrations");
            t.setDaemon(true);
            return t;
          });

  // Confined to the thread.
  private final Map<Long, Opened> open = new HashMap<>();
  private final Map<Registered, AgentServices> registered = new HashMap<>();
  private final Map<ConsulSettings, AgentServices> clients = new HashMap<>();
  private final BridgeTokens tokens;
  private final Set<String> told = new HashSet<>();

  /** One instance at one agent. */
  private record Registered(URI agent, GatewayService service) {}

  /**
   * @param node this node's own Consul settings (its agent and credentials), if any
   * @param agents how to reach an agent: {@code AgentServices::new} in production
   */
  public ConsulGatewayRegistrations(
      Optional<ConsulSettings> node,
      Supplier<ConfigSnapshot> config,
      Function<ConsulSettings, AgentServices> agents,
      String replicaId,
      Duration ttl) {
    this(node, config, agents, replicaId, ttl, BridgeTokens.none());
  }

  /** The same, reading the tokens bridges name ({@code ca.consul.token}) with {@code tokens}. */
  public ConsulGatewayRegistrations(
      Optional<ConsulSettings> node,
      Supplier<ConfigSnapshot> config,
      Function<ConsulSettings, AgentServices> agents,
      String replicaId,
      Duration ttl,
      BridgeTokens tokens) {
    this.tokens = requireNonNull(tokens, "tokens");
    this.node = requireNonNull(node, "node");
    this.config = requireNonNull(config, "config");
    this.agents = requireNonNull(agents, "agents");
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.ttl = requireNonNull(ttl, "ttl");
    if (ttl.toSeconds() < 3) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: at least 3 s)");
    }
    long period = ttl.toMillis() / 3;
    thread.scheduleWithFixedDelay(this::round, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public void opened(Opened stream) {
    if (!stream.group().startsWith(GROUP_PREFIX) || stream.remote().isEmpty()) {
      return;
    }
    submit(
        () -> {
          open.put(stream.id(), stream);
          round();
        });
  }

  @Override
  public void closed(long id) {
    submit(
        () -> {
          if (open.remove(id) == null) {
            return;
          }
          // What no open stream wants any more is left to run out, not deregistered: a proxy that
          // reconnects elsewhere keeps its instance.
          Set<Registered> wanted = wanted().keySet();
          registered.keySet().removeIf(r -> !wanted.contains(r));
        });
  }

  /**
   * Registers what the open streams and the current config want and is not registered yet,
   * deregisters what the config no longer wants, passes the rest's checks. Runs every third of the
   * TTL and after each stream event; call it after a config change.
   *
   * @return done when the round ran
   */
  public CompletableFuture<Void> reconcile() {
    try {
      return CompletableFuture.runAsync(this::round, thread);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(null);
    }
  }

  private void submit(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException e) {
      // Closed: this node is stopping, the checks run out.
    }
  }

  private void round() {
    Map<Registered, AgentServices> wanted;
    try {
      wanted = wanted();
    } catch (RuntimeException e) {
      log.warn("cannot tell which gateways to register in Consul: {}", e.toString());
      return;
    }
    for (Map.Entry<Registered, AgentServices> entry : Map.copyOf(registered).entrySet()) {
      if (!wanted.containsKey(entry.getKey())) {
        act(
            "deregister",
            entry.getKey(),
            () -> entry.getValue().deregister(entry.getKey().service().id()));
        registered.remove(entry.getKey());
      }
    }
    for (Map.Entry<Registered, AgentServices> entry : wanted.entrySet()) {
      Registered instance = entry.getKey();
      AgentServices agent = entry.getValue();
      if (!registered.containsKey(instance)) {
        if (act("register", instance, () -> agent.register(instance.service()))) {
          registered.put(instance, agent);
          log.info(
              "registered gateway instance {} of service {} with the Consul agent at {}",
              instance.service().id(),
              instance.service().name(),
              instance.agent());
        }
        continue;
      }
      try {
        agent.pass(instance.service(), "the gateway's xDS stream is open on " + replicaId);
        told.remove(instance.service().id());
      } catch (ConsulException e) {
        if (e.status() != 404) {
          warn("pass the check of", instance, e);
          continue;
        }
        // The agent no longer has the check (it lost its state): register again.
        registered.remove(instance);
        if (act("register", instance, () -> agent.register(instance.service()))) {
          registered.put(instance, agent);
        }
      } catch (IOException e) {
        warn("pass the check of", instance, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @FunctionalInterface
  private interface Call {
    void run() throws IOException, InterruptedException;
  }

  /** Runs a call to an agent; false (logged once until it works again) when it failed. */
  private boolean act(String verb, Registered instance, Call call) {
    try {
      call.run();
      told.remove(instance.service().id());
      return true;
    } catch (IOException e) {
      return warn(verb, instance, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private boolean warn(String verb, Registered instance, IOException e) {
    if (told.add(instance.service().id())) {
      log.warn(
          "cannot {} gateway instance {} with the Consul agent at {} (tried again every {} s): {}",
          verb,
          instance.service().id(),
          instance.agent(),
          Math.max(1, ttl.toSeconds() / 3),
          e.getMessage());
    }
    return false;
  }

  /** The instances the open streams and the current config want, each with its agent. */
  private Map<Registered, AgentServices> wanted() {
    Map<Registered, AgentServices> wanted = new LinkedHashMap<>();
    if (open.isEmpty()) {
      return wanted;
    }
    ConfigSnapshot snapshot = config.get();
    for (Opened stream : new TreeMap<>(open).values()) {
      String[] parts = stream.group().substring(GROUP_PREFIX.length()).split("/");
      if (parts.length != 2) {
        continue;
      }
      ResourceKey gatewayKey = new ResourceKey(Kind.GATEWAY, parts[0], parts[1]);
      Optional<Resource> gateway = snapshot.get(gatewayKey);
      if (gateway.isEmpty()) {
        continue;
      }
      int port =
          gateway.get().spec(GatewaySpec.class).listeners().stream()
              .mapToInt(GatewayListener::port)
              .min()
              .orElse(0);
      for (Resource bridge : snapshot.ofKind(Kind.MESH_BRIDGE)) {
        MeshBridgeSpec spec = bridge.spec(MeshBridgeSpec.class);
        ConsulCa consul = spec.ca().consul();
        if (spec.mesh() != MeshKind.CONSUL
            || consul == null
            || !consul.inDefaultPartition()
            || !bridge.key().namespace().equals(gatewayKey.namespace())
            || !spec.gateways().contains(gatewayKey.name())
            || port == 0) {
          continue;
        }
        URI address;
        try {
          address = new URI(consul.address());
        } catch (URISyntaxException e) {
          continue;
        }
        ConsulSettings agentSettings;
        if (consul.token() == null) {
          agentSettings = BridgeSources.agentSettings(node, address);
        } else if (tokens.read(snapshot, bridge, consul.token())
            instanceof BridgeTokens.Token token) {
          agentSettings = BridgeSources.withToken(node, address, token);
        } else {
          // The identity source says why, once.
          continue;
        }
        String service = spec.serviceName() == null ? gatewayKey.name() : spec.serviceName();
        GatewayService instance =
            new GatewayService(
                service + "-meshgate-" + SidecarRegistrations.shortHash(stream.nodeId()),
                service,
                stream.remote().orElseThrow().getHostAddress(),
                port,
                Map.of(
                    "meshgate-gateway",
                    gatewayKey.namespace() + "/" + gatewayKey.name(),
                    "meshgate-bridge",
                    bridge.key().namespace() + "/" + bridge.key().name(),
                    "meshgate-replica",
                    limit(replicaId),
                    "meshgate-node-id",
                    limit(stream.nodeId())),
                ttl,
                DEREGISTER_AFTER,
                Optional.ofNullable(consul.namespace()));
        wanted.put(
            new Registered(address, instance), clients.computeIfAbsent(agentSettings, agents));
      }
    }
    return wanted;
  }

  private static String limit(String text) {
    return text.length() <= GatewayService.MAX_META_VALUE_LENGTH
        ? text
        : text.substring(0, GatewayService.MAX_META_VALUE_LENGTH);
  }

  /** Stops the rounds; the registered checks run out (this node is stopping). */
  @Override
  public void close() {
    thread.shutdownNow();
  }
}
