package io.meshgate.xds.serve;

import java.util.List;
import java.util.Set;

/**
 * The open streams' statuses by group, and which groups changed since last asked: what the ACK
 * reporter reads, so that a replica whose proxies hold still reads no stream at all. Thread-safe:
 * streams change on gRPC's threads and the pipeline's while the reporter reads on its own.
 *
 * <p>A group is marked changed after what its streams hold or were sent changed, or a stream of it
 * opened or closed, or its snapshot changed: each mark is set while the changing stream holds its
 * lock, so a reader that takes the mark and then reads the statuses sees the change, and one that
 * took the mark before the change finds it set again.
 */
public interface GroupStatuses {
  /** The groups marked changed since the last call, each once; the marks are cleared. */
  Set<String> takeChanged();

  /** The groups with at least one open stream. */
  Set<String> groups();

  /** The statuses of the group's open streams, oldest first; empty when it has none. */
  List<StreamStatus> statuses(String group);
}
