package io.meshgate.xds.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * Captures what the peer presented — the group of its TLS client certificate (verified by the TLS
 * layer against the proxy CA) and a bearer token — into the call's context, where the ADS streams
 * read it. It decides nothing itself: {@link Authorizer} does, once the node id is known.
 */
public final class ProxyAuthenticator implements ServerInterceptor {
  public static final Context.Key<PeerIdentity> PEER = Context.key("meshgate-peer-identity");

  /**
   * What the peer of the current call presented; {@link PeerIdentity#NONE} when this interceptor
   * did not run for it. Read it where the call starts, on the thread gRPC starts it on.
   */
  public static PeerIdentity currentPeer() {
    PeerIdentity peer = PEER.get();
    return peer == null ? PeerIdentity.NONE : peer;
  }

  /** Where the call's connection comes from (a sidecar's stream registers that address). */
  public static final Context.Key<SocketAddress> REMOTE = Context.key("meshgate-peer-address");

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Optional<String> certificateGroup =
        certificateGroup(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    String authorization = headers.get(AUTHORIZATION);
    Optional<String> token =
        authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
            ? Optional.of(authorization.substring(7).trim())
            : Optional.empty();
    Optional<String> refusal =
        token.isPresent()
            ? tokenRefusal(
                call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION),
                call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))
            : Optional.empty();
    PeerIdentity peer =
        refusal.isPresent()
            ? PeerIdentity.refused(refusal.get())
            : new PeerIdentity(certificateGroup, token);
    Context context =
        Context.current()
            .withValue(PEER, peer)
            .withValue(REMOTE, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    return Contexts.interceptCall(context, call, headers, next);
  }

  /**
   * Why a token may not be taken on this connection: it came in the clear from another host, where
   * anyone on the way could read and replay it. Over TLS, or from this host (loopback, in-process),
   * it is taken.
   */
  static Optional<String> tokenRefusal(@Nullable SSLSession session, SocketAddress remote) {
    if (session != null) {
      return Optional.empty();
    }
    if (!(remote instanceof InetSocketAddress inet)
        || (inet.getAddress() != null && inet.getAddress().isLoopbackAddress())) {
      return Optional.empty();
    }
    return Optional.of(
        "a proxy token sent without TLS from "
            + (inet.getAddress() == null
                ? inet.getHostString()
                : inet.getAddress().getHostAddress())
            + " is refused: it could be read on the way; serve xDS with TLS");
  }

  /** The group named by the SPIFFE URI SAN of the verified client certificate, if any. */
  static Optional<String> certificateGroup(@Nullable SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      return ProxyCa.groupOf(leaf);
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }
}
