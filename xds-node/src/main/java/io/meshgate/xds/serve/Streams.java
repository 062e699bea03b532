package io.meshgate.xds.serve;

import io.grpc.Status;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open streams, by group, so a group's change reaches exactly its streams. Thread-safe: streams
 * come and go on gRPC's threads while the pipeline pushes.
 */
final class Streams implements GroupStatuses {
  private static final Logger log = LoggerFactory.getLogger(Streams.class);

  /** A stream that can be told its group changed. */
  interface Stream {
    /** Unique and increasing: a group's streams are told of a change oldest first. */
    long id();

    /**
     * The group's snapshot changed. Must not block on the proxy: a stream whose proxy does not read
     * sends nothing now and the newest state once it reads.
     */
    void groupChanged();

    StreamStatus status();

    /** Ends the stream with this status (the proxy reconnects, elsewhere if it can). */
    void end(Status status);
  }

  private final Map<String, ConcurrentSkipListMap<Long, Stream>> byGroup =
      new ConcurrentHashMap<>();

  /** Groups whose streams changed since {@link #takeChanged} last drained them. */
  private final Set<String> changed = ConcurrentHashMap.newKeySet();

  private final StreamAdmission admission;
  private volatile StreamEvents events = StreamEvents.NONE;
  private volatile ServeMetrics metrics = ServeMetrics.NONE;

  private final Clock clock;

  Streams(StreamAdmission admission, Clock clock) {
    this.admission = admission;
    this.clock = clock;
  }

  /** The clock the streams read the times of sends, ACKs and NACKs from. */
  Clock clock() {
    return clock;
  }

  /** Who is told of streams opened and closed from now on. */
  void events(StreamEvents events) {
    this.events = events;
  }

  StreamEvents events() {
    return events;
  }

  /** Who counts what streams do from now on. */
  void metrics(ServeMetrics metrics) {
    this.metrics = metrics;
  }

  ServeMetrics metrics() {
    return metrics;
  }

  /** A stream whose credential stops being valid at {@code until}, signed by key {@code kid}. */
  private record Expiring(String group, Stream stream, Instant until, Optional<String> kid) {}

  private final Map<Long, Expiring> expiring = new ConcurrentHashMap<>();

  /** The same entries, soonest expiry first: a sweep looks at those due and one more. */
  private final ConcurrentSkipListSet<Expiring> byExpiry =
      new ConcurrentSkipListSet<>(
          Comparator.comparing(Expiring::until).thenComparingLong(e -> e.stream().id()));

  /** Stream ids by the key that signed their token: a revocation sweep asks once per key. */
  private final Map<String, Set<Long>> byKid = new ConcurrentHashMap<>();

  /** Entries the credential sweeps looked at: a counter, for tests. */
  private final AtomicLong credentialsChecked = new AtomicLong();

  /**
   * Registers a stream whose proxy was authorized, if the replica's admission takes it; it counts
   * against the admission until {@link #remove}.
   *
   * @param validUntil when its credential stops being valid: {@link #endExpired} ends it then
   */
  StreamAdmission.Outcome open(String group, Stream stream, Optional<Instant> validUntil) {
    return open(group, stream, validUntil, Optional.empty());
  }

  /**
   * As {@link #open(String, Stream, Optional)}, for a token signed by {@code kid}: {@link
   * #endRevoked} ends it once that key is no longer live.
   */
  StreamAdmission.Outcome open(
      String group, Stream stream, Optional<Instant> validUntil, Optional<String> kid) {
    StreamAdmission.Outcome outcome = admission.open();
    if (outcome == StreamAdmission.Outcome.ADMITTED) {
      add(group, stream);
      validUntil.ifPresent(until -> track(new Expiring(group, stream, until, kid)));
    }
    return outcome;
  }

  private void track(Expiring entry) {
    long id = entry.stream().id();
    expiring.put(id, entry);
    byExpiry.add(entry);
    entry
        .kid()
        .ifPresent(
            kid ->
                byKid.compute(
                    kid,
                    (k, ids) -> {
                      Set<Long> all = ids == null ? ConcurrentHashMap.newKeySet() : ids;
                      all.add(id);
                      return all;
                    }));
  }

  private void untrack(long id) {
    Expiring entry = expiring.remove(id);
    if (entry == null) {
      return;
    }
    byExpiry.remove(entry);
    entry
        .kid()
        .ifPresent(
            kid ->
                byKid.computeIfPresent(
                    kid,
                    (k, ids) -> {
                      ids.remove(id);
                      return ids.isEmpty() ? null : ids;
                    }));
  }

  /**
   * Ends, with UNAUTHENTICATED, every stream whose token was signed by a key that is no longer
   * live: revoking a key ends the streams it let in, not only new ones.
   *
   * @return how many were ended
   */
  int endRevoked(Predicate<String> liveKid) {
    int ended = 0;
    for (String kid : List.copyOf(byKid.keySet())) {
      if (liveKid.test(kid)) {
        continue;
      }
      for (Long id : List.copyOf(byKid.getOrDefault(kid, Set.of()))) {
        Expiring entry = expiring.get(id);
        if (entry == null) {
          continue; // ended meanwhile
        }
        credentialsChecked.incrementAndGet();
        end(
            entry,
            "the proxy token's signing key "
                + entry.kid().get()
                + " was revoked; reconnect with a token from the current key");
        ended++;
      }
    }
    return ended;
  }

  private void end(Expiring entry, String why) {
    try {
      entry.stream().end(Status.UNAUTHENTICATED.withDescription(why));
    } catch (RuntimeException e) {
      log.warn("stream {} failed to end: {}", entry.stream().id(), e.toString());
    }
    remove(entry.group(), entry.stream());
  }

  /**
   * Ends, with UNAUTHENTICATED, every stream whose credential is no longer valid at {@code now}: a
   * credential is checked for the stream's whole life, not only when it opens.
   *
   * @return how many were ended
   */
  int endExpired(Instant now) {
    int ended = 0;
    // Soonest first, and only those due: a sweep costs what it ends, not what is open.
    for (Expiring entry : byExpiry) {
      credentialsChecked.incrementAndGet();
      if (now.isBefore(entry.until())) {
        break;
      }
      end(
          entry,
          "the proxy token expired at "
              + entry.until()
              + " (with the allowed clock skew); reconnect with a new token");
      ended++;
    }
    return ended;
  }

  private void add(String group, Stream stream) {
    byGroup.compute(
        group,
        (g, streams) -> {
          ConcurrentSkipListMap<Long, Stream> map =
              streams == null ? new ConcurrentSkipListMap<>() : streams;
          map.put(stream.id(), stream);
          return map;
        });
    changed.add(group);
  }

  void remove(String group, Stream stream) {
    boolean[] removed = new boolean[1];
    byGroup.computeIfPresent(
        group,
        (g, streams) -> {
          removed[0] = streams.remove(stream.id(), stream);
          return streams.isEmpty() ? null : streams;
        });
    untrack(stream.id());
    if (removed[0]) {
      changed.add(group);
      admission.closed();
    }
  }

  /**
   * Tells each stream of the group, each on its own: one that fails is ended and dropped, and the
   * others are told all the same. Nothing a stream throws reaches the caller (the pipeline).
   */
  void groupChanged(String group) {
    if (group.equals(SnapshotStore.PROXYLESS)) {
      // Proxyless services without a group of their own are served this one.
      byGroup.keySet().stream()
          .filter(g -> SnapshotStore.affects(group, g) && !g.equals(group))
          .forEach(this::notifyGroup);
    }
    notifyGroup(group);
  }

  private void notifyGroup(String group) {
    ConcurrentSkipListMap<Long, Stream> streams = byGroup.get(group);
    if (streams == null) {
      return;
    }
    // Its snapshot changed: whether its proxies are synced did, even where nothing is sent.
    changed.add(group);
    for (Stream stream : streams.values()) {
      try {
        stream.groupChanged();
      } catch (RuntimeException e) {
        log.warn("a stream of group {} failed on a change and is ended", group, e);
        remove(group, stream);
        try {
          stream.end(Status.INTERNAL.withDescription("this stream failed on an update"));
        } catch (RuntimeException again) {
          log.debug("the failed stream could not be ended: {}", again.toString());
        }
      }
    }
  }

  /** Ends every open stream: a stopping replica sends its proxies elsewhere. */
  void endAll(Status status) {
    byGroup.values().stream()
        .flatMap(streams -> streams.values().stream())
        .toList()
        .forEach(s -> s.end(status));
  }

  List<StreamStatus> statuses() {
    return byGroup.values().stream()
        .flatMap(streams -> streams.values().stream())
        .map(Stream::status)
        .sorted(Comparator.comparingLong(StreamStatus::id))
        .toList();
  }

  /** How many credential entries the sweeps looked at so far. */
  long credentialsChecked() {
    return credentialsChecked.get();
  }

  /** What a stream of {@code group} holds or was sent changed: its ACK summary is due again. */
  void changed(String group) {
    changed.add(group);
  }

  @Override
  public Set<String> takeChanged() {
    Set<String> taken = new HashSet<>();
    for (String group : changed) {
      if (changed.remove(group)) {
        taken.add(group);
      }
    }
    return taken;
  }

  @Override
  public Set<String> groups() {
    return Set.copyOf(byGroup.keySet());
  }

  @Override
  public List<StreamStatus> statuses(String group) {
    ConcurrentSkipListMap<Long, Stream> streams = byGroup.get(group);
    return streams == null ? List.of() : streams.values().stream().map(Stream::status).toList();
  }
}
