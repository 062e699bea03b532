package io.meshgate.chaos;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.meshgate.config.store.Keyspace;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the checker needs of etcd's history, recorded as it happens by a watch on meshgate's
 * keyspace from the run's first revision: the status leader's terms (the leader key's creation and
 * deletion revisions) and the revisions of condition writes. Watched live, in the small responses a
 * running cluster produces, rather than read back at the end in one response that would pass gRPC's
 * message limit. jetcd resumes the watch from its last revision after an etcd outage.
 */
final class EtcdHistory implements AutoCloseable {
  private final Watch.Watcher watcher;
  private final List<long[]> terms = new ArrayList<>();
  private final List<Long> conditionWrites = new ArrayList<>();
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
                          terms.add(new long[] {revision, Long.MAX_VALUE});
                        } else if (event.getEventType() == WatchEvent.EventType.DELETE
                            && !terms.isEmpty()) {
                          terms.get(terms.size() - 1)[1] = revision;
                        }
                      } else if (key.startsWith(conditions)) {
                        conditionWrites.add(revision);
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

  /** Each term as {created, deleted} ({@link Long#MAX_VALUE} while it lasts). */
  synchronized List<long[]> terms() {
    return terms.stream().map(long[]::clone).toList();
  }

  synchronized List<Long> conditionWrites() {
    return List.copyOf(conditionWrites);
  }

  @Override
  public void close() {
    watcher.close();
  }
}
