package io.meshgate.xds.pipeline;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.Client;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.PrefixView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The config events applied while this replica runs, as the appliers record them next to each
 * partition's offset ({@link AppliedOffset}, {@code /meshgate/v1/offsets/}): for each, the etcd
 * revision its effect landed at, its Kafka record's timestamp and its trace context. A snapshot
 * built from revision R contains every event applied at R or before, so these tell how long a
 * config change took to reach a proxy (config convergence seconds) and which traces a build and its
 * first push belong to.
 *
 * <p>Only events applied after the first listing count: what was applied before this replica
 * started has no convergence to measure here. Those of the latest {@link #KEPT} revisions are kept;
 * older ones are forgotten (a proxy that ACKs after that many further events is counted for the
 * kept ones).
 */
public final class AppliedRecords implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AppliedRecords.class);

  /** How many revisions' applied events are kept for lookups by revision. */
  public static final int KEPT = 4096;

  /**
   * One applied event.
   *
   * @param revision the etcd revision its transaction wrote
   * @param recordTimestamp its Kafka record's timestamp in ms, or {@link
   *     AppliedOffset#NO_TIMESTAMP}
   */
  public record Applied(
      long revision,
      String topic,
      int partition,
      long offset,
      long recordTimestamp,
      Optional<String> traceparent) {
    public Applied {
      requireNonNull(topic, "topic");
      requireNonNull(traceparent, "traceparent");
    }
  }

  /**
   * By revision: one transaction may record the offsets of several partitions (the applier puts a
   * poll's partitions in one), so a revision holds one event per partition it recorded.
   */
  private final ConcurrentSkipListMap<Long, List<Applied>> recent = new ConcurrentSkipListMap<>();

  private final List<Consumer<Applied>> listeners = new CopyOnWriteArrayList<>();
  private final PrefixView<Applied> view;

  /** The revision of the latest event told; before the first listing, -1. */
  private volatile long delivered = -1;

  private AppliedRecords(Client etcd) {
    this.view =
        PrefixView.open(
            requireNonNull(etcd, "etcd"),
            Keyspace.offsetsPrefix(),
            "applied-records",
            log,
            AppliedRecords::decode,
            this::onListing);
  }

  /** Starts reading and returns at once. Does not own the client: close this first. */
  public static AppliedRecords open(Client etcd) {
    return new AppliedRecords(etcd);
  }

  /** Also tell {@code listener} of each newly applied event, on the view's thread, in order. */
  public void onApplied(Consumer<Applied> listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /** Whether the first listing was read: events applied from then on are told. */
  public boolean listening() {
    return delivered >= 0;
  }

  /** The kept events applied after revision {@code after} and at or before {@code upTo}. */
  public List<Applied> between(long after, long upTo) {
    if (upTo <= after) {
      return List.of();
    }
    List<Applied> applied = new ArrayList<>();
    recent.subMap(after, false, upTo, true).values().forEach(applied::addAll);
    return applied;
  }

  static @Nullable Applied decode(String key, byte[] value, long modRevision) {
    String rest = key.substring(Keyspace.offsetsPrefix().length());
    int slash = rest.lastIndexOf('/');
    try {
      AppliedOffset offset = AppliedOffset.parse(value);
      return new Applied(
          modRevision,
          rest.substring(0, slash),
          Integer.parseInt(rest.substring(slash + 1)),
          offset.offset(),
          offset.recordTimestamp(),
          offset.traceparent());
    } catch (RuntimeException e) {
      log.debug("not an applied offset at {}: {}", key, e.toString());
      return null;
    }
  }

  private void onListing(PrefixView.Listing<Applied> listing) {
    if (delivered < 0) {
      delivered = listing.revision(); // applied before this replica looked
      return;
    }
    long from = delivered;
    listing.values().values().stream()
        .filter(applied -> applied.revision() > from)
        .sorted(Comparator.comparingLong(Applied::revision))
        .forEach(
            applied -> {
              recent.merge(
                  applied.revision(),
                  List.of(applied),
                  (kept, more) -> {
                    List<Applied> both = new ArrayList<>(kept);
                    both.addAll(more);
                    return List.copyOf(both);
                  });
              delivered = applied.revision();
              listeners.forEach(l -> l.accept(applied));
            });
    while (recent.size() > KEPT) {
      Map.Entry<Long, List<Applied>> oldest = recent.pollFirstEntry();
      if (oldest == null) {
        break;
      }
    }
  }

  @Override
  public void close() {
    view.close();
  }
}
