package io.meshgate.xds.serve;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The open streams, by group, so a group's change reaches exactly its streams. */
final class Streams {
  /** A stream that can be told its group changed. */
  interface Stream {
    void groupChanged();

    StreamStatus status();

    /** Ends the stream with this status (the proxy reconnects, elsewhere if it can). */
    void end(io.grpc.Status status);
  }

  private final Map<String, Set<Stream>> byGroup = new ConcurrentHashMap<>();

  void add(String group, Stream stream) {
    byGroup.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet()).add(stream);
  }

  void remove(String group, Stream stream) {
    Set<Stream> streams = byGroup.get(group);
    if (streams != null) {
      streams.remove(stream);
    }
  }

  void groupChanged(String group) {
    Set<Stream> streams = byGroup.get(group);
    if (streams != null) {
      streams.forEach(Stream::groupChanged);
    }
  }

  /** Ends every open stream: a stopping replica sends its proxies elsewhere. */
  void endAll(io.grpc.Status status) {
    byGroup.values().stream().flatMap(Set::stream).toList().forEach(s -> s.end(status));
  }

  List<StreamStatus> statuses() {
    return byGroup.values().stream()
        .flatMap(Set::stream)
        .map(Stream::status)
        .sorted(java.util.Comparator.comparingLong(StreamStatus::id))
        .toList();
  }
}
