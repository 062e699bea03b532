package io.meshgate.xds.serve;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one stream knows of one type, for /debug and the status loop.
 *
 * @param sentVersion the last version sent (null before the first response)
 * @param pendingNonce the nonce awaiting an ACK or NACK (null when none)
 * @param ackedVersion the last version the proxy ACKed
 * @param nackedVersion the last version the proxy NACKed; never sent to this stream again
 * @param nackDetail the NACK's error_detail message
 * @param syncedVersion the type version the proxy holds everything it asked for of (null: none)
 * @param ackedRevision the etcd revision of the snapshot whose response the proxy last ACKed
 * @param sentAt when the last response was sent (null before the first)
 * @param ackedAt when the proxy last ACKed on this stream (null before the first ACK)
 * @param nackedAt when the proxy last NACKed, on this stream or one whose rejection it inherited
 * @param wildcard whether the proxy asks for every resource of the type
 * @param names the names it asks for; not in /debug/streams (a proxy may ask for thousands)
 * @param rejectedNames the names it rejected at {@code nackedVersion}; not in /debug/streams
 */
public record TypeStatus(
    String typeUrl,
    @Nullable String sentVersion,
    @Nullable String pendingNonce,
    @Nullable String ackedVersion,
    @Nullable String nackedVersion,
    @Nullable String nackDetail,
    int responses,
    @Nullable String syncedVersion,
    long ackedRevision,
    // As ISO-8601 text in /debug/streams: the shared mapper has no java.time module.
    @JsonSerialize(using = ToStringSerializer.class) @Nullable Instant sentAt,
    @JsonSerialize(using = ToStringSerializer.class) @Nullable Instant ackedAt,
    @JsonSerialize(using = ToStringSerializer.class) @Nullable Instant nackedAt,
    boolean wildcard,
    @JsonIgnore Set<String> names,
    @JsonIgnore Set<String> rejectedNames) {
  public TypeStatus {
    names = Set.copyOf(names);
    rejectedNames = Set.copyOf(rejectedNames);
  }

  /** A type's state without times or names (tests of what the status loop makes of it). */
  public TypeStatus(
      String typeUrl,
      @Nullable String sentVersion,
      @Nullable String pendingNonce,
      @Nullable String ackedVersion,
      @Nullable String nackedVersion,
      @Nullable String nackDetail,
      int responses,
      @Nullable String syncedVersion,
      long ackedRevision) {
    this(
        typeUrl,
        sentVersion,
        pendingNonce,
        ackedVersion,
        nackedVersion,
        nackDetail,
        responses,
        syncedVersion,
        ackedRevision,
        null,
        null,
        null,
        true,
        Set.of(),
        Set.of());
  }
}
