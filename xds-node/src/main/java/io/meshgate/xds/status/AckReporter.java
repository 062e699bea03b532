package io.meshgate.xds.status;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.store.Keyspace;
import io.meshgate.xds.serve.ErrorDetails;
import io.meshgate.xds.serve.StreamStatus;
import io.meshgate.xds.serve.TypeStatus;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this replica's proxies hold, for the status leader: under a lease of the replica's own, the
 * revision its snapshots were built from ({@code /meshgate/v1/members/<replica>}) and, per group
 * with connected proxies, each proxy's state ({@code /meshgate/v1/acks/<replica>/<group>}; format
 * in docs/status.md). Written only when it changed, at most every {@code period}; a replica that
 * dies takes its keys with its lease.
 */
public final class AckReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AckReporter.class);

  /** A proxy holds the current snapshot of its group. */
  public static final String SYNCED = "Synced";

  /** A proxy has not (yet) taken the current snapshot. */
  public static final String PENDING = "Pending";

  /** A proxy rejected the current snapshot. */
  public static final String REJECTED = "Rejected";

  private final Client etcd;
  private final String replicaId;
  private final SnapshotStore store;
  private final Supplier<List<StreamStatus>> streams;
  private final LongSupplier builtRevision;
  private final Duration ttl;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "meshgate-acks");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, String> written = new HashMap<>();
  private long lease;
  private AutoCloseable keepAlive;

  public AckReporter(
      Client etcd,
      String replicaId,
      SnapshotStore store,
      Supplier<List<StreamStatus>> streams,
      LongSupplier builtRevision,
      Duration period,
      Duration ttl) {
    this.etcd = requireNonNull(etcd, "etcd");
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.store = requireNonNull(store, "store");
    this.streams = requireNonNull(streams, "streams");
    this.builtRevision = requireNonNull(builtRevision, "builtRevision");
    this.ttl = requireNonNull(ttl, "ttl");
    thread.scheduleWithFixedDelay(this::report, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void report() {
    try {
      if (lease == 0) {
        closeKeepAlive();
        lease = etcd.getLeaseClient().grant(ttl.toSeconds()).get(5, TimeUnit.SECONDS).getID();
        keepAlive = etcd.getLeaseClient().keepAlive(lease, NoOpObserver.INSTANCE);
        written.clear();
      }
      Map<String, String> next = new TreeMap<>();
      ObjectNode member = Mappers.json().createObjectNode();
      member.put("replica", replicaId).put("builtRevision", builtRevision.getAsLong());
      next.put(Keyspace.member(replicaId), member.toString());
      summaries(replicaId, store, streams.get())
          .forEach((group, json) -> next.put(Keyspace.acks(replicaId, group), json));
      for (Map.Entry<String, String> entry : next.entrySet()) {
        if (!entry.getValue().equals(written.get(entry.getKey()))) {
          etcd.getKVClient()
              .put(
                  bytes(entry.getKey()),
                  bytes(entry.getValue()),
                  PutOption.builder().withLeaseId(lease).build())
              .get(5, TimeUnit.SECONDS);
          written.put(entry.getKey(), entry.getValue());
        }
      }
      for (String key : List.copyOf(written.keySet())) {
        if (!next.containsKey(key)) {
          etcd.getKVClient().delete(bytes(key)).get(5, TimeUnit.SECONDS);
          written.remove(key);
        }
      }
    } catch (Exception e) {
      // etcd is away, or the lease expired with it: start over with a new lease.
      log.debug("ACK summary not written, retrying: {}", e.toString());
      lease = 0;
    }
  }

  /** Group → summary JSON, for every group with a connected proxy. Pure. */
  static Map<String, String> summaries(
      String replicaId, SnapshotStore store, List<StreamStatus> statuses) {
    Map<String, List<StreamStatus>> byGroup = new TreeMap<>();
    for (StreamStatus stream : statuses) {
      byGroup.computeIfAbsent(stream.group(), g -> new ArrayList<>()).add(stream);
    }
    Map<String, String> summaries = new TreeMap<>();
    byGroup.forEach(
        (group, groupStreams) -> {
          GroupSnapshot snapshot = store.get(group).orElse(null);
          ObjectNode root = Mappers.json().createObjectNode();
          root.put("replica", replicaId).put("group", group).put("connected", groupStreams.size());
          ArrayNode proxies = root.putArray("proxies");
          groupStreams.stream()
              .sorted(Comparator.comparing(StreamStatus::nodeId).thenComparing(StreamStatus::id))
              .forEach(s -> proxies.add(proxy(s, snapshot)));
          summaries.put(group, root.toString());
        });
    return summaries;
  }

  /**
   * One proxy: Synced when every type it was sent is ACKed at the current version (or needed
   * nothing), Rejected when it NACKed a current version, else Pending; and the lowest revision it
   * ACKed over its types.
   */
  private static ObjectNode proxy(StreamStatus stream, GroupSnapshot snapshot) {
    ObjectNode proxy = Mappers.json().createObjectNode();
    proxy.put("node", stream.nodeId());
    String state = snapshot == null ? PENDING : SYNCED;
    long acked = Long.MAX_VALUE;
    TypeStatus rejected = null;
    for (TypeStatus type : stream.types()) {
      if (type.responses() == 0
          && type.pendingNonce() == null
          && type.syncedVersion() == null
          && type.nackedVersion() == null) {
        // Nothing was ever sent for it, and it rejected nothing on an earlier stream: nothing to
        // hold.
        continue;
      }
      acked = Math.min(acked, type.ackedRevision());
      if (snapshot == null) {
        continue;
      }
      String current = snapshot.type(type.typeUrl()).version();
      if (current.equals(type.nackedVersion())) {
        rejected = type;
      } else if (type.pendingNonce() != null || !current.equals(type.syncedVersion())) {
        state = state.equals(SYNCED) ? PENDING : state;
      }
    }
    if (rejected != null) {
      state = REJECTED;
      proxy.put("typeUrl", rejected.typeUrl());
      proxy.put("errorDetail", ErrorDetails.cut(rejected.nackDetail()));
    }
    proxy.put("state", state);
    proxy.put("ackedRevision", acked == Long.MAX_VALUE ? -1 : acked);
    return proxy;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Keep-alive responses need no handling: a lost lease shows as a failed write. */
  private enum NoOpObserver
      implements io.grpc.stub.StreamObserver<io.etcd.jetcd.lease.LeaseKeepAliveResponse> {
    INSTANCE;

    @Override
    public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  private void closeKeepAlive() {
    if (keepAlive != null) {
      try {
        keepAlive.close();
      } catch (Exception e) {
        // nothing to keep alive any more
      }
      keepAlive = null;
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    closeKeepAlive();
    if (lease != 0) {
      try {
        etcd.getLeaseClient().revoke(lease).get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        // It ends by itself within the TTL.
      }
    }
  }
}
