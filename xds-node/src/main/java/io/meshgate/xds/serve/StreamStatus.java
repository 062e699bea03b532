package io.meshgate.xds.serve;

import java.util.List;

/** One ADS stream: who, which group, which protocol, and each type's state. */
public record StreamStatus(
    long id, String nodeId, String group, boolean delta, List<TypeStatus> types) {
  public StreamStatus {
    types = List.copyOf(types);
  }
}
