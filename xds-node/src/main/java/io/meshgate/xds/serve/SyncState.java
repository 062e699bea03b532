package io.meshgate.xds.serve;

import com.fasterxml.jackson.annotation.JsonValue;
import org.jspecify.annotations.Nullable;

/**
 * Where one proxy stands on one type against its group's current version, as {@code meshgate
 * proxy-status} shows it (docs/status.md, "Per-proxy state").
 */
public enum SyncState {
  /** It ACKed the current version (or the current version needed nothing sent to it). */
  SYNCED("SYNCED"),
  /** It was sent something, but does not hold the current version: a response is in flight. */
  STALE("STALE"),
  /** It NACKed the current version; it keeps what it held before. */
  NACKED("NACKED"),
  /** It asked for the type and has been sent nothing of it yet. */
  NOT_SENT("NOT SENT");

  private final String label;

  SyncState(String label) {
    this.label = label;
  }

  /** As proxy-status prints it and /debug/proxies writes it. */
  @JsonValue
  public String label() {
    return label;
  }

  /**
   * The state of {@code type} on a stream whose group now serves {@code currentVersion} of it
   * (null: the group has no snapshot yet).
   */
  public static SyncState of(TypeStatus type, @Nullable String currentVersion) {
    if (currentVersion != null && currentVersion.equals(type.nackedVersion())) {
      return NACKED;
    }
    if (type.responses() == 0 && type.pendingNonce() == null && type.syncedVersion() == null) {
      return NOT_SENT;
    }
    if (type.pendingNonce() == null
        && currentVersion != null
        && currentVersion.equals(type.syncedVersion())) {
      return SYNCED;
    }
    return STALE;
  }

  /** The state a label names, as a CLI reads it back from /debug/proxies. */
  public static SyncState fromLabel(String label) {
    for (SyncState state : values()) {
      if (state.label.equals(label)) {
        return state;
      }
    }
    throw new IllegalArgumentException(
        "state: '" + label + "' (expected: SYNCED, STALE, NACKED or NOT SENT)");
  }
}
