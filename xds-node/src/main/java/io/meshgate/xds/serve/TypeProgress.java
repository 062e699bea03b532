package io.meshgate.xds.serve;

/** What both stream kinds track per type URL for /debug and the status loop. */
abstract class TypeProgress {
  boolean subscribed;
  String sentVersion;
  String pendingNonce;
  String ackedVersion;
  String nackedVersion;
  String nackDetail;
  boolean dirty;
  int responses;

  /** The snapshot revision of the last response sent. */
  long sentRevision = -1;

  /** The snapshot revision of the last response ACKed. */
  long ackedRevision = -1;

  /**
   * The type version the proxy holds all it asked for of: set on an ACK, and when a new version
   * needed nothing sent to this stream.
   */
  String syncedVersion;

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
        ackedRevision);
  }
}
