package io.meshgate.xds.serve;

import io.meshgate.xds.snapshot.GroupSnapshot;
import java.util.Map;

/**
 * Whether a stream's proxy holds everything of its group's current snapshot, by the rule the ACK
 * summaries use for Synced ({@code status.AckReporter}): every type it was ever sent (or rejected
 * on an earlier stream) has no response in flight and is synced at the snapshot's version of it. A
 * stream that was sent nothing yet holds nothing. Pure.
 */
final class Synced {
  private Synced() {}

  static boolean holdsAll(GroupSnapshot snapshot, Map<String, ? extends TypeProgress> types) {
    boolean any = false;
    for (Map.Entry<String, ? extends TypeProgress> entry : types.entrySet()) {
      TypeProgress type = entry.getValue();
      if (type.responses == 0
          && type.pendingNonce == null
          && type.syncedVersion == null
          && type.nackedVersion == null) {
        continue; // nothing was ever sent for it: nothing to hold
      }
      if (type.pendingNonce != null
          || !snapshot.type(entry.getKey()).version().equals(type.syncedVersion)) {
        return false;
      }
      any = true;
    }
    return any;
  }
}
