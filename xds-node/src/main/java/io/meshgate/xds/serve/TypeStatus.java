package io.meshgate.xds.serve;

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
    long ackedRevision) {}
