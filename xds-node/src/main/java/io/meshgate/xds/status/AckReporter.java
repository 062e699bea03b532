package io.meshgate.xds.status;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.store.Keyspace;
import io.meshgate.discovery.EndpointDiscovery.SourceState;
import io.meshgate.xds.serve.ErrorDetails;
import io.meshgate.xds.serve.GroupStatuses;
import io.meshgate.xds.serve.StreamStatus;
import io.meshgate.xds.serve.TypeStatus;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * in docs/status.md). Written only when it changed, at most every {@code period}: a group's summary
 * is recomputed only when its streams opened, closed or changed what they hold ({@link
 * GroupStatuses}), so an idle replica reads no stream. A replica that dies takes its keys with its
 * lease.
 */
public final class AckReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AckReporter.class);

  private final Client etcd;
  private final String replicaId;
  private final AckSummaries summaries;
  private final LongSupplier builtRevision;
  private final Supplier<List<SourceState>> sources;
  private final Duration ttl;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "meshgate-acks");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, String> written = new HashMap<>();
  private final Advertised advertised;

  /**
   * Where the replica's admin endpoints are reached, written into its member key for {@code
   * meshgate proxy-status} and {@code proxy-config}.
   *
   * @param admin the admin HTTP address, {@code host:port} (empty: not written)
   * @param adminGrpc the CSDS address, {@code host:port} (empty: CSDS is off)
   */
  public record Advertised(Optional<String> admin, Optional<String> adminGrpc) {
    public static final Advertised NONE = new Advertised(Optional.empty(), Optional.empty());

    public Advertised {
      requireNonNull(admin, "admin");
      requireNonNull(adminGrpc, "adminGrpc");
    }
  }

  private long lease;
  private AutoCloseable keepAlive;

  public AckReporter(
      Client etcd,
      String replicaId,
      SnapshotStore store,
      GroupStatuses streams,
      LongSupplier builtRevision,
      Supplier<List<SourceState>> sources,
      Duration period,
      Duration ttl,
      Advertised advertised) {
    this.etcd = requireNonNull(etcd, "etcd");
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.summaries = new AckSummaries(replicaId, store, streams);
    this.builtRevision = requireNonNull(builtRevision, "builtRevision");
    this.sources = requireNonNull(sources, "sources");
    this.ttl = requireNonNull(ttl, "ttl");
    this.advertised = requireNonNull(advertised, "advertised");
    thread.scheduleWithFixedDelay(this::report, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void report() {
    try {
      boolean fresh = lease == 0;
      if (fresh) {
        closeKeepAlive();
        lease = etcd.getLeaseClient().grant(ttl.toSeconds()).get(5, TimeUnit.SECONDS).getID();
        keepAlive = etcd.getLeaseClient().keepAlive(lease, NoOpObserver.INSTANCE);
        written.clear();
      }
      ObjectNode member = Mappers.json().createObjectNode();
      member.put("replica", replicaId).put("builtRevision", builtRevision.getAsLong());
      advertised.admin().ifPresent(a -> member.put("admin", a));
      advertised.adminGrpc().ifPresent(a -> member.put("adminGrpc", a));
      member.set("sources", sources(sources.get()));
      put(Keyspace.member(replicaId), member.toString());
      // Only the groups whose streams changed: with proxies that hold still, nothing is read. Under
      // a new lease nothing written is left, so every group is due.
      AckSummaries.Due due = fresh ? summaries.all() : summaries.changed();
      for (Map.Entry<String, String> summary : due.summaries().entrySet()) {
        put(Keyspace.acks(replicaId, summary.getKey()), summary.getValue());
      }
      for (String group : due.gone()) {
        String key = Keyspace.acks(replicaId, group);
        if (written.containsKey(key)) {
          etcd.getKVClient().delete(bytes(key)).get(5, TimeUnit.SECONDS);
          written.remove(key);
        }
      }
    } catch (Exception e) {
      // etcd is away, or the lease expired with it: start over with a new lease, and every group.
      log.debug("ACK summary not written, retrying: {}", e.toString());
      lease = 0;
    }
  }

  /** Writes the key under the lease unless it already holds this value. */
  private void put(String key, String value) throws Exception {
    if (value.equals(written.get(key))) {
      return;
    }
    etcd.getKVClient()
        .put(bytes(key), bytes(value), PutOption.builder().withLeaseId(lease).build())
        .get(5, TimeUnit.SECONDS);
    written.put(key, value);
  }

  /** How many stream statuses the reporter read so far: zero more while proxies hold still. */
  long statusesRead() {
    return summaries.statusesRead();
  }

  /**
   * Per source kind (consul, consul-connect, nomad, dns): how many are watched, how many do not
   * answer, and since when the one stale longest has not ({@code meshgate check} reads it). A time,
   * not an age, so the member key changes only when a source's state does.
   */
  static ObjectNode sources(List<SourceState> states) {
    Map<String, List<SourceState>> byKind = new TreeMap<>();
    for (SourceState state : states) {
      String kind = state.source().substring(0, Math.max(0, state.source().indexOf('/')));
      byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(state);
    }
    ObjectNode sources = Mappers.json().createObjectNode();
    byKind.forEach(
        (kind, watches) -> {
          ObjectNode entry = sources.putObject(kind);
          entry.put("watches", watches.size());
          entry.put("stale", watches.stream().filter(w -> w.staleSince() != null).count());
          watches.stream()
              .map(SourceState::staleSince)
              .filter(Objects::nonNull)
              .min(Comparator.naturalOrder())
              .ifPresent(since -> entry.put("staleSince", since.toString()));
        });
    return sources;
  }

  /**
   * At most this many entries per summary: with three sample node ids of 256 bytes and a detail of
   * 1 KiB each, a summary stays under {@link #MAX_SUMMARY_BYTES} however many proxies a group has.
   */
  static final int MAX_ENTRIES = 200;

  /** Far below etcd's 1.5 MiB request limit; checked before every write. */
  static final int MAX_SUMMARY_BYTES = 512 * 1024;

  /** Sample node ids kept per entry, for messages that name a proxy. */
  static final int SAMPLE_NODES = 3;

  /** What one proxy holds, as the leader needs it. */
  private record ProxyState(
      String node, AckState state, long ackedRevision, String typeUrl, String errorDetail) {
    /** Proxies alike in all but their node id share an entry. */
    List<Object> shape() {
      return List.of(state, ackedRevision, typeUrl, errorDetail);
    }
  }

  /**
   * Group → summary JSON, for every group with a connected proxy. Pure. Proxies in the same state
   * share an entry (a count and a few sample node ids), so a summary's size depends on how many
   * different states the group's proxies are in, not on how many proxies there are; past {@link
   * #MAX_ENTRIES} the rest fold into one conservative entry (the lowest revision, Pending unless
   * all are Synced), so the leader may say Pending a little longer, never Programmed too early.
   */
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
          Map<List<Object>, List<ProxyState>> alike = new LinkedHashMap<>();
          groupStreams.stream()
              .map(s -> proxy(s, snapshot))
              .sorted(
                  Comparator.comparingInt((ProxyState p) -> severity(p.state()))
                      .reversed()
                      .thenComparingLong(ProxyState::ackedRevision)
                      .thenComparing(ProxyState::typeUrl)
                      .thenComparing(ProxyState::errorDetail)
                      .thenComparing(ProxyState::node))
              .forEach(p -> alike.computeIfAbsent(p.shape(), k -> new ArrayList<>()).add(p));
          List<List<ProxyState>> entries = new ArrayList<>(alike.values());
          if (entries.size() > MAX_ENTRIES) {
            List<ProxyState> rest = new ArrayList<>();
            entries.subList(MAX_ENTRIES - 1, entries.size()).forEach(rest::addAll);
            entries = new ArrayList<>(entries.subList(0, MAX_ENTRIES - 1));
            entries.add(folded(rest));
          }
          ObjectNode root = Mappers.json().createObjectNode();
          root.put("replica", replicaId).put("group", group).put("connected", groupStreams.size());
          ArrayNode proxies = root.putArray("proxies");
          entries.forEach(e -> proxies.add(entry(e)));
          String json = root.toString();
          if (json.getBytes(StandardCharsets.UTF_8).length > MAX_SUMMARY_BYTES) {
            throw new IllegalStateException(
                "ACK summary of "
                    + group
                    + ": "
                    + json.length()
                    + " bytes (expected: at most "
                    + MAX_SUMMARY_BYTES
                    + ")");
          }
          summaries.put(group, json);
        });
    return summaries;
  }

  private static int severity(AckState state) {
    return switch (state) {
      case REJECTED -> 2;
      case PENDING -> 1;
      case SYNCED -> 0;
    };
  }

  /** Proxies past the entry limit as one entry that claims no more than all of them hold. */
  private static List<ProxyState> folded(List<ProxyState> rest) {
    boolean allSynced = rest.stream().allMatch(p -> p.state() == AckState.SYNCED);
    long lowest = rest.stream().mapToLong(ProxyState::ackedRevision).min().orElse(-1);
    return rest.stream()
        .map(
            p ->
                new ProxyState(
                    p.node(), allSynced ? AckState.SYNCED : AckState.PENDING, lowest, "", ""))
        .toList();
  }

  private static ObjectNode entry(List<ProxyState> alike) {
    ProxyState first = alike.get(0);
    ObjectNode entry = Mappers.json().createObjectNode();
    entry.put("state", first.state().wireName());
    entry.put("ackedRevision", first.ackedRevision());
    if (!first.typeUrl().isEmpty()) {
      entry.put("typeUrl", first.typeUrl());
      entry.put("errorDetail", first.errorDetail());
    }
    entry.put("count", alike.size());
    ArrayNode nodes = entry.putArray("nodes");
    alike.stream().limit(SAMPLE_NODES).forEach(p -> nodes.add(p.node()));
    return entry;
  }

  /**
   * One proxy: Synced when every type it was sent is ACKed at the current version (or needed
   * nothing), Rejected when it NACKed a current version, else Pending; and the lowest revision it
   * ACKed over its types.
   */
  private static ProxyState proxy(StreamStatus stream, GroupSnapshot snapshot) {
    AckState state = snapshot == null ? AckState.PENDING : AckState.SYNCED;
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
        state = state == AckState.SYNCED ? AckState.PENDING : state;
      }
    }
    return new ProxyState(
        stream.nodeId(),
        rejected != null ? AckState.REJECTED : state,
        acked == Long.MAX_VALUE ? -1 : acked,
        rejected != null ? rejected.typeUrl() : "",
        rejected != null ? ErrorDetails.cut(rejected.nackDetail()) : "");
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Keep-alive responses need no handling: a lost lease shows as a failed write. */
  private enum NoOpObserver implements StreamObserver<LeaseKeepAliveResponse> {
    INSTANCE;

    @Override
    public void onNext(LeaseKeepAliveResponse value) {}

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
