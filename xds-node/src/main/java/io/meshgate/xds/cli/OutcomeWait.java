package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.StoreReader;
import io.meshgate.xds.status.Conditions;
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

  /**
   * {@code --wait-for=programmed}, after every event was accepted: polls the serving leader's
   * Programmed condition of each applied resource until it is True for the accepted generation.
   * Exit 0 when all are, 3 when a proxy rejected one (its error is printed), 1 on timeout.
   */
  static int awaitProgrammed(
      Client etcd, Map<ResourceKey, ConfigEvent> published, Duration timeout, PrintWriter out) {
    StoreReader reader = new StoreReader(etcd, timeout);
    Map<ResourceKey, Long> generations = new LinkedHashMap<>();
    for (Map.Entry<ResourceKey, ConfigEvent> entry : published.entrySet()) {
      reader
          .status(entry.getKey())
          .flatMap(s -> s.event(entry.getValue().id()))
          .filter(o -> o.outcome() == Outcome.ACCEPTED && o.generation() != null)
          .ifPresent(o -> generations.put(entry.getKey(), o.generation()));
    }
    Map<ResourceKey, Condition> settled = new LinkedHashMap<>();
    Map<ResourceKey, Condition> latest = new LinkedHashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (settled.size() < generations.size() && System.nanoTime() < deadline) {
      for (Map.Entry<ResourceKey, Long> entry : generations.entrySet()) {
        if (settled.containsKey(entry.getKey())) {
          continue;
        }
        reader.conditions(entry.getKey()).stream()
            .filter(c -> c.type().equals(Conditions.PROGRAMMED))
            .filter(c -> c.observedGeneration() != null)
            .filter(c -> c.observedGeneration() >= entry.getValue())
            .findFirst()
            .ifPresent(
                c -> {
                  latest.put(entry.getKey(), c);
                  if (c.status() == ConditionStatus.TRUE || Conditions.INVALID.equals(c.reason())) {
                    settled.put(entry.getKey(), c);
                  }
                });
      }
      if (settled.size() < generations.size()) {
        try {
          Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    boolean invalid = false;
    for (ResourceKey key : generations.keySet()) {
      Condition c = settled.get(key);
      if (c == null) {
        Condition last = latest.get(key);
        out.println(
            key
                + ": not Programmed within "
                + timeout.toSeconds()
                + " s"
                + (last == null ? "" : " (" + last.reason() + ": " + last.message() + ")"));
      } else if (c.status() == ConditionStatus.TRUE) {
        out.println(key + ": Programmed (" + c.message() + ")");
      } else {
        invalid = true;
        out.println(key + ": not Programmed (" + c.reason() + "): " + c.message());
      }
    }
    out.flush();
    if (settled.size() < generations.size()) {
      return Meshgate.EXIT_RUNTIME_ERROR;
    }
    return invalid ? Meshgate.EXIT_INVALID : Meshgate.EXIT_OK;
  }

  /** The outcome and, when it has one, the generation: {@code Accepted (generation 3)}. */
  static String describe(EventRecord outcome) {
    String word = word(outcome.outcome());
    return outcome.generation() == null
        ? word
        : word + " (generation " + outcome.generation() + ")";
  }

  /** The outcome as a word, e.g. {@code Accepted}. */
  static String word(Outcome outcome) {
    return switch (outcome) {
      case ACCEPTED -> "Accepted";
      case REJECTED -> "Rejected";
      case DELETED -> "Deleted";
    };
  }

  static Optional<EventRecord> last(ApplierStatus status) {
    return status.lastEvent();
  }
}
