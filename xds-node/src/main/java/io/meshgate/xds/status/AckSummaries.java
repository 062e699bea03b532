package io.meshgate.xds.status;

import static java.util.Objects.requireNonNull;

import io.meshgate.xds.serve.GroupStatuses;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ACK summaries that are due, recomputed only for the groups whose streams changed (see {@link
 * GroupStatuses}): a replica whose proxies hold still reads no stream. Confined to the reporter's
 * thread; no etcd.
 */
final class AckSummaries {
  private final String replicaId;
  private final SnapshotStore store;
  private final GroupStatuses streams;
  private volatile long statusesRead;

  AckSummaries(String replicaId, SnapshotStore store, GroupStatuses streams) {
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.store = requireNonNull(store, "store");
    this.streams = requireNonNull(streams, "streams");
  }

  /**
   * What is due.
   *
   * @param summaries group → its summary JSON, for each recomputed group that has open streams
   * @param gone recomputed groups with no open stream any more: their keys go
   */
  record Due(Map<String, String> summaries, Set<String> gone) {
    Due {
      summaries = Map.copyOf(summaries);
      gone = Set.copyOf(gone);
    }
  }

  /** The summaries of the groups that changed since the last call. */
  Due changed() {
    return of(streams.takeChanged());
  }

  /**
   * The summaries of every group with open streams (after a new lease, when nothing written is
   * left): the changed marks are taken too, as these summaries cover them.
   */
  Due all() {
    Set<String> groups = new HashSet<>(streams.takeChanged());
    groups.addAll(streams.groups());
    return of(groups);
  }

  private Due of(Set<String> groups) {
    Map<String, String> summaries = new TreeMap<>();
    Set<String> gone = new TreeSet<>();
    for (String group : groups) {
      var statuses = streams.statuses(group);
      statusesRead += statuses.size();
      String summary = AckReporter.summaries(replicaId, store, statuses).get(group);
      if (summary == null) {
        gone.add(group);
      } else {
        summaries.put(group, summary);
      }
    }
    return new Due(summaries, gone);
  }

  /** How many stream statuses were read since this was made: a counter, for tests and metrics. */
  long statusesRead() {
    return statusesRead;
  }
}
