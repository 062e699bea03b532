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

  final TypeStatus status(String typeUrl) {
    return new TypeStatus(
        typeUrl, sentVersion, pendingNonce, ackedVersion, nackedVersion, nackDetail, responses);
  }
}
