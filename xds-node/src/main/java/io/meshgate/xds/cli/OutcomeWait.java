package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.StoreReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --wait}: polls each published event's resource status until its outcome, matched by {@code
 * ce_id}, is recorded. Exit 0 if all were accepted (or deleted), 3 if any was rejected, 1 on
 * timeout.
 */
final class OutcomeWait {
  private static final Duration POLL = Duration.ofMillis(200);

  private OutcomeWait() {}

  static int await(
      Client etcd, Map<ResourceKey, ConfigEvent> published, Duration timeout, PrintWriter out) {
    StoreReader reader = new StoreReader(etcd, timeout);
    Map<ResourceKey, EventRecord> outcomes = new LinkedHashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (outcomes.size() < published.size() && System.nanoTime() < deadline) {
      for (Map.Entry<ResourceKey, ConfigEvent> entry : published.entrySet()) {
        if (outcomes.containsKey(entry.getKey())) {
          continue;
        }
        Optional<EventRecord> outcome =
            reader.status(entry.getKey()).flatMap(s -> s.event(entry.getValue().id()));
        outcome.ifPresent(o -> outcomes.put(entry.getKey(), o));
      }
      if (outcomes.size() < published.size()) {
        try {
          Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    boolean rejected = false;
    for (ResourceKey key : published.keySet()) {
      EventRecord outcome = outcomes.get(key);
      if (outcome == null) {
        out.println(
            key
                + ": Pending (no outcome within "
                + timeout.toSeconds()
                + " s; is meshgate node running?)");
        continue;
      }
      out.println(key + ": " + describe(outcome));
      if (outcome.outcome() == Outcome.REJECTED) {
        rejected = true;
        outcome.reasons().forEach(r -> out.println("  " + r));
      }
    }
    out.flush();
    if (outcomes.size() < published.size()) {
      return Meshgate.EXIT_RUNTIME_ERROR;
    }
    return rejected ? Meshgate.EXIT_INVALID : Meshgate.EXIT_OK;
  }

  static String describe(EventRecord outcome) {
    String word =
        switch (outcome.outcome()) {
          case ACCEPTED -> "Accepted";
          case REJECTED -> "Rejected";
          case DELETED -> "Deleted";
        };
    return outcome.generation() == null
        ? word
        : word + " (generation " + outcome.generation() + ")";
  }

  static Optional<EventRecord> last(ApplierStatus status) {
    return status.lastEvent();
  }
}
