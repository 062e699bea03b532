package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One connected stream as {@code /debug/proxies} shows it and {@code meshgate proxy-status} prints
 * it: who, which group, and per type asked for its {@link SyncState}, the version it holds, the
 * group's current version and the seconds since its last ACK. Only node ids, groups, versions and
 * the NACK's detail cut to {@link #MAX_DETAIL_BYTES}: never a resource.
 *
 * @param stream the stream's id on its replica
 */
public record ProxyStatus(
    String node, String group, long stream, String protocol, List<TypeState> types) {
  /** A NACK's detail here is cut shorter than in the status: a table row shows it. */
  public static final int MAX_DETAIL_BYTES = 256;

  public ProxyStatus {
    requireNonNull(node, "node");
    requireNonNull(group, "group");
    requireNonNull(protocol, "protocol");
    types = List.copyOf(types);
  }

  /**
   * One type of one stream.
   *
   * @param type the short name: LDS, RDS, CDS, EDS or SDS
   * @param version the version the proxy holds all it asked for of (null: none yet)
   * @param currentVersion the group's current version of the type (null: no snapshot yet)
   * @param ackedRevision the etcd revision of the snapshot it last ACKed all it asked for of (-1:
   *     none)
   * @param sinceAck whole seconds since its last ACK on this stream (null: none yet)
   * @param error the NACK's detail, cut, while the state is NACKED
   */
  public record TypeState(
      String type,
      String typeUrl,
      SyncState state,
      @Nullable String version,
      @Nullable String currentVersion,
      long ackedRevision,
      @Nullable Long sinceAck,
      @Nullable String error) {
    public TypeState {
      requireNonNull(type, "type");
      requireNonNull(typeUrl, "typeUrl");
      requireNonNull(state, "state");
    }
  }

  /** A stream's state against its group's snapshot (empty: none yet), at {@code now}. Pure. */
  public static ProxyStatus of(StreamStatus stream, Optional<GroupSnapshot> snapshot, Instant now) {
    List<TypeState> types = new ArrayList<>();
    for (String typeUrl : TypeUrls.ALL) {
      for (TypeStatus type : stream.types()) {
        if (!type.typeUrl().equals(typeUrl)) {
          continue;
        }
        String current = snapshot.map(s -> s.type(typeUrl).version()).orElse(null);
        SyncState state = SyncState.of(type, current);
        types.add(
            new TypeState(
                shortName(typeUrl),
                typeUrl,
                state,
                type.syncedVersion(),
                current,
                type.ackedRevision(),
                type.ackedAt() == null
                    ? null
                    : Math.max(0, Duration.between(type.ackedAt(), now).toSeconds()),
                state == SyncState.NACKED
                    ? ErrorDetails.cut(type.nackDetail(), MAX_DETAIL_BYTES)
                    : null));
      }
    }
    return new ProxyStatus(
        stream.nodeId(), stream.group(), stream.id(), stream.delta() ? "delta" : "sotw", types);
  }

  /** LDS, RDS, CDS, EDS or SDS: the names operators know the types by. */
  public static String shortName(String typeUrl) {
    return switch (typeUrl) {
      case TypeUrls.LISTENER -> "LDS";
      case TypeUrls.ROUTE -> "RDS";
      case TypeUrls.CLUSTER -> "CDS";
      case TypeUrls.ENDPOINT -> "EDS";
      case TypeUrls.SECRET -> "SDS";
      default -> typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    };
  }
}
