package io.meshgate.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.store.Keyspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What the checker needs of etcd's history, recorded as it happens by a watch on meshgate's
 * keyspace from the run's first revision: the status leader's terms (the leader key's creation and
 * deletion revisions, and the replica that created it), the revisions of condition writes, and the
 * writer's stamp each of those transactions put ({@link Keyspace#CONDITIONS_WRITER}). Watched live,
 * in the small responses a running cluster produces, rather than read back at the end in one
 * response that would pass gRPC's message limit. jetcd resumes the watch from its last revision
 * after an etcd outage.
 */
final class EtcdHistory implements AutoCloseable {
  private final Watch.Watcher watcher;
  private final List<Term> terms = new ArrayList<>();
  private final SortedSet<Long> conditionWrites = new TreeSet<>();
  private final Map<Long, Stamp> stamps = new HashMap<>();
  private long lastRevision;
  private String failure;

  EtcdHistory(Client etcd) {
    String conditions = Keyspace.ROOT + "conditions/";
    watcher =
        etcd.getWatchClient()
            .watch(
                ByteSequence.from(Keyspace.ROOT, StandardCharsets.UTF_8),
                WatchOption.builder().isPrefix(true).withRevision(1).build(),
                response -> {
                  synchronized (this) {
                    for (WatchEvent event : response.getEvents()) {
                      String key = event.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                      long revision = event.getKeyValue().getModRevision();
                      if (key.equals(Keyspace.LEADER)) {
                        if (event.getEventType() == WatchEvent.EventType.PUT
                            && event.getKeyValue().getVersion() == 1) {
                          terms.add(
                              new Term(
                                  revision,
                                  Long.MAX_VALUE,
                                  event.getKeyValue().getValue().toString(StandardCharsets.UTF_8)));
                        } else if (event.getEventType() == WatchEvent.EventType.DELETE
                            && !terms.isEmpty()) {
                          Term last = terms.remove(terms.size() - 1);
                          terms.add(new Term(last.created(), revision, last.replica()));
                        }
                      } else if (key.startsWith(conditions)) {
                        conditionWrites.add(revision);
                      } else if (key.equals(Keyspace.CONDITIONS_WRITER)
                          && event.getEventType() == WatchEvent.EventType.PUT) {
                        stamps.put(revision, Stamp.parse(event.getKeyValue().getValue()));
                      }
                      lastRevision = Math.max(lastRevision, revision);
                    }
                    notifyAll();
                  }
                },
                error -> {
                  synchronized (this) {
                    failure = error.toString();
                    notifyAll();
                  }
                });
  }

  /** Waits until the watch delivered {@code revision} (of a key under meshgate's root). */
  synchronized boolean awaitRevision(long revision, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (lastRevision < revision && failure == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return lastRevision >= revision;
  }

  synchronized long lastRevision() {
    return lastRevision;
  }

  synchronized Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * One status leader's term: from the leader key's creation (the term's number) to its deletion
   * ({@link Long#MAX_VALUE} while it lasts), and the replica whose transaction created it.
   */
  record Term(long created, long ended, String replica) {
    boolean holds(long revision) {
      return revision > created && revision < ended;
    }

    @Override
    public String toString() {
      return replica + " [" + created + ", " + (ended == Long.MAX_VALUE ? "now" : ended) + ")";
    }
  }

  /** What a transaction writing conditions says of its writer; null fields when unreadable. */
  record Stamp(@Nullable String replica, long term) {
    static Stamp parse(ByteSequence value) {
      try {
        JsonNode stamp = Mappers.json().readTree(value.getBytes());
        return new Stamp(stamp.path("replica").asText(null), stamp.path("term").asLong(-1));
      } catch (IOException e) {
        return new Stamp(null, -1);
      }
    }
  }

  /** A revision that wrote conditions, and the stamp written with them (null if none was). */
  record ConditionWrite(long revision, @Nullable Stamp stamp) {}

  synchronized List<Term> terms() {
    return List.copyOf(terms);
  }

  synchronized List<ConditionWrite> conditionWrites() {
    return conditionWrites.stream().map(r -> new ConditionWrite(r, stamps.get(r))).toList();
  }

  @Override
  public void close() {
    watcher.close();
  }
}
