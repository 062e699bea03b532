package io.meshgate.xds.status;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * What one proxy holds of its group's current snapshot, as a replica's ACK summary states it
 * ({@code "state"} in {@code /meshgate/v1/acks/<replica>/<group>}, docs/status.md).
 */
public enum AckState {
  /** The proxy ACKed the current version of every type it was sent. */
  SYNCED("Synced"),
  /** The proxy has not (yet) taken the current snapshot. */
  PENDING("Pending"),
  /** The proxy NACKed a current version. */
  REJECTED("Rejected");

  private final String wireName;

  AckState(String wireName) {
    this.wireName = wireName;
  }

  /** The state as a summary writes it, e.g. {@code Synced}. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /**
   * By wire name. A state this release does not know (a newer replica's) reads as Pending: the
   * leader then says Programmed no earlier than the proxy's ACKed revision allows.
   */
  @JsonCreator
  public static AckState fromWireName(String name) {
    return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst().orElse(PENDING);
  }

  @Override
  public String toString() {
    return wireName;
  }
}
