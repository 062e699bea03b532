package io.meshgate.xds.register;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SidecarSpec;
import io.meshgate.config.model.WorkloadPort;
import io.meshgate.config.model.WorkloadSpec;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.store.Registration;
import io.meshgate.xds.serve.StreamEvents;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sidecar's own ADS stream registers its inbound endpoint, with no agent beside it: while a
 * stream of the group {@code sidecar/<namespace>/<name>} is open on this node, the Sidecar's
 * inbound port at the address the stream's connection comes from is a registered Workload (labelled
 * {@link Registration#SIDECAR_LABEL}), an endpoint of the Backend the Sidecar's {@code service}
 * names. This node keeps its lease alive while the stream lives. When the stream ends, or this node
 * stops or dies, the lease is left to run out (the TTL is the grace, as Istio gives auto-registered
 * workloads one): a proxy that reconnects, here or through another node, registers again under a
 * new lease before then, so a reconnect never takes its endpoint away.
 *
 * <p>Threading: stream events arrive on gRPC's threads and are handled, in order, on one thread of
 * this class's own, since each is an etcd round trip.
 */
public final class SidecarRegistrations implements StreamEvents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SidecarRegistrations.class);

  private static final String GROUP_PREFIX = "sidecar/";

  private final RegistrationStore store;
  private final Supplier<ConfigSnapshot> config;
  private final Clock clock;
  private final String replicaId;
  private final Duration ttl;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "meshgate-sidecar-registrations");
            t.setDaemon(true);
            return t;
          });

  // Confined to the thread.
  private final Map<Long, Held> held = new HashMap<>();

  private record Held(RegistrationStore.Held registration, AutoCloseable keepAlive) {}

  public SidecarRegistrations(
      RegistrationStore store,
      Supplier<ConfigSnapshot> config,
      Clock clock,
      String replicaId,
      Duration ttl) {
    this.store = requireNonNull(store, "store");
    this.config = requireNonNull(config, "config");
    this.clock = requireNonNull(clock, "clock");
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.ttl = requireNonNull(ttl, "ttl");
  }

  @Override
  public void opened(Opened stream) {
    if (!stream.group().startsWith(GROUP_PREFIX)) {
      return;
    }
    try {
      thread.execute(() -> register(stream));
    } catch (RejectedExecutionException e) {
      // Closed: this node is stopping.
    }
  }

  @Override
  public void closed(long id) {
    try {
      thread.execute(() -> release(id));
    } catch (RejectedExecutionException e) {
      // Closed: every lease is left to run out already.
    }
  }

  private void register(Opened stream) {
    String[] parts = stream.group().substring(GROUP_PREFIX.length()).split("/");
    if (parts.length != 2 || stream.remote().isEmpty()) {
      return;
    }
    ResourceKey sidecarKey = new ResourceKey(Kind.SIDECAR, parts[0], parts[1]);
    Optional<Resource> sidecar = config.get().get(sidecarKey);
    if (sidecar.isEmpty()) {
      log.info(
          "stream {} of {}: no Sidecar {} in the config; its endpoint is not registered",
          stream.id(),
          stream.group(),
          sidecarKey);
      return;
    }
    SidecarSpec spec = sidecar.get().spec(SidecarSpec.class);
    Registration registration =
        new Registration(
            workload(sidecarKey, stream, spec),
            "sidecar:" + stream.nodeId(),
            HealthStatus.PASSING,
            "the sidecar's ADS stream is open on " + replicaId,
            replicaId,
            clock.instant());
    try {
      RegistrationStore.Outcome outcome = store.register(registration, ttl);
      if (outcome instanceof RegistrationStore.Stored stored) {
        held.put(stream.id(), new Held(stored.held(), store.keepAlive(stored.held())));
        log.info(
            "registered {} for the stream of sidecar node {}", registration.key(), stream.nodeId());
      }
    } catch (RegistrationStore.EtcdUnavailable e) {
      log.warn(
          "cannot register the endpoint of sidecar node {}: {}", stream.nodeId(), e.getMessage());
    }
  }

  /**
   * The Workload a sidecar's stream stands for: named after the Sidecar and its node id (several
   * Envoys may run one Sidecar), at the stream's address, on the Sidecar's inbound port.
   */
  static Resource workload(ResourceKey sidecar, Opened stream, SidecarSpec spec) {
    String name = sidecar.name() + "-" + shortHash(stream.nodeId());
    WorkloadSpec workload =
        new WorkloadSpec(
            stream.remote().orElseThrow().getHostAddress(),
            List.of(new WorkloadPort("inbound", spec.inbound().port(), spec.inbound().protocol())),
            null,
            null,
            null,
            null);
    ObjectMeta meta =
        new ObjectMeta(
            name,
            sidecar.namespace(),
            Map.of(Registration.SIDECAR_LABEL, sidecar.name()),
            null,
            null,
            null,
            null,
            null);
    return Resource.of(Kind.WORKLOAD, meta, workload);
  }

  /** The first 5 bytes of a node id's SHA-256, in hex: part of names made for a proxy. */
  static String shortHash(String nodeId) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(nodeId.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Stops renewing the lease of a stream that ended: the registration runs out with it. */
  private void release(long id) {
    Held gone = held.remove(id);
    if (gone == null) {
      return;
    }
    try {
      gone.keepAlive().close();
    } catch (Exception e) {
      log.debug("closing a keep-alive failed", e);
    }
    log.info(
        "the stream of {} ended; its registration runs out within {} s unless the sidecar comes back",
        gone.registration().registration().key(),
        ttl.toSeconds());
  }

  /** Stops keeping leases alive; the registrations run out with them (this node is stopping). */
  @Override
  public void close() {
    if (thread.isShutdown()) {
      return;
    }
    thread.execute(
        () -> {
          held.values()
              .forEach(
                  h -> {
                    try {
                      h.keepAlive().close();
                    } catch (Exception e) {
                      log.debug("closing a keep-alive failed", e);
                    }
                  });
          held.clear();
        });
    thread.shutdown();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
