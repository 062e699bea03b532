package io.meshgate.xds.serve;

import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The ACK/NACK bookkeeping both stream kinds keep per type URL: the response in flight, what the
 * proxy ACKed, and what it rejected. Content the proxy rejected is a type version and the names of
 * the resources its rejected responses carried: at that version, those resources are never sent to
 * it again; any other name it asks for is.
 */
abstract class TypeProgress {
  boolean subscribed;

  /** The version of the last response sent (null before the first). */
  @Nullable String sentVersion;

  /** The snapshot revision of the last response sent. */
  long sentRevision = -1;

  /** The nonce awaiting an ACK or NACK; null when none. */
  @Nullable String pendingNonce;

  /** The names of the resources the pending response carries (added, changed or removed). */
  Set<String> pendingNames = Set.of();

  /**
   * Whether the pending response, once ACKed, leaves the proxy holding all it asked for of its
   * version: false when rejected content was held back from it.
   */
  boolean pendingComplete;

  @Nullable String ackedVersion;

  /** The snapshot revision of the last complete response ACKed. */
  long ackedRevision = -1;

  /**
   * The type version the proxy holds all it asked for of: set on an ACK, and when a new version
   * needed nothing sent to this stream.
   */
  @Nullable String syncedVersion;

  /** The version the proxy last NACKed; null when none, or once it accepted that version. */
  @Nullable String nackedVersion;

  /** The NACK's error detail, cut (ErrorDetails). */
  @Nullable String nackDetail;

  /** The names of the resources at {@link #nackedVersion} the proxy rejected. */
  Set<String> rejectedNames = Set.of();

  int responses;

  /** When the last response was sent; null before the first. */
  @Nullable Instant sentAt;

  /** When the proxy last ACKed a response of this type on this stream; null before the first. */
  @Nullable Instant ackedAt;

  /** When the proxy last NACKed (or the rejection was inherited); null when never. */
  @Nullable Instant nackedAt;

  /** Whether the proxy asks for every resource of the type. */
  abstract boolean wildcard();

  /** The names the proxy asks for ("*" left out); with {@link #wildcard()}, beside all others. */
  abstract Set<String> names();

  /** A response went out; the next one of this type waits for its ACK or NACK. */
  final void sent(
      String version,
      long revision,
      String nonce,
      Collection<String> names,
      boolean complete,
      Instant at) {
    sentAt = at;
    sentVersion = version;
    sentRevision = revision;
    pendingNonce = nonce;
    pendingNames = Set.copyOf(names);
    pendingComplete = complete;
    responses++;
  }

  /**
   * The pending response was ACKed. Returns whether the proxy now holds all it asked for of its
   * version; then a rejection of that very version no longer holds either.
   */
  final boolean acked(Instant at) {
    pendingNonce = null;
    ackedAt = at;
    ackedVersion = sentVersion;
    if (!pendingComplete) {
      return false;
    }
    ackedRevision = sentRevision;
    syncedVersion = sentVersion;
    if (sentVersion.equals(nackedVersion)) {
      nackedVersion = null;
      nackDetail = null;
      rejectedNames = Set.of();
    }
    return true;
  }

  /** The pending response was NACKed: what the proxy rejected, to remember past this stream. */
  final Rejections.Rejection nacked(String detail, Instant at) {
    pendingNonce = null;
    nackedAt = at;
    Set<String> rejected = new HashSet<>(pendingNames);
    if (sentVersion.equals(nackedVersion)) {
      rejected.addAll(rejectedNames); // a second NACK at the same version adds to the first
    }
    nackedVersion = sentVersion;
    nackDetail = ErrorDetails.cut(detail);
    rejectedNames = Set.copyOf(rejected);
    return new Rejections.Rejection(nackedVersion, rejectedNames, nackDetail);
  }

  /** A new stream of a proxy that rejected content on an earlier stream and holds older config. */
  final void remember(Rejections.Rejection rejection) {
    nackedVersion = rejection.version();
    nackDetail = rejection.detail();
    rejectedNames = rejection.names();
  }

  /** Whether the proxy rejected resource {@code name} as it is at type version {@code version}. */
  final boolean rejected(String version, String name) {
    return version.equals(nackedVersion) && rejectedNames.contains(name);
  }

  final TypeStatus status(String typeUrl) {
    return new TypeStatus(
        typeUrl,
        sentVersion,
        pendingNonce,
        ackedVersion,
        nackedVersion,
        nackDetail,
        responses,
        syncedVersion,
        ackedRevision,
        sentAt,
        ackedAt,
        nackedAt,
        wildcard(),
        names(),
        rejectedNames);
  }
}
