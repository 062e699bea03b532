package io.meshgate.xds.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Captures what the peer presented — the group of its TLS client certificate (verified by the TLS
 * layer against the proxy CA) and a bearer token — into the call's context, where the ADS streams
 * read it. It decides nothing itself: {@link Authorizer} does, once the node id is known.
 */
public final class ProxyAuthenticator implements ServerInterceptor {
  public static final Context.Key<PeerIdentity> PEER = Context.key("meshgate-peer-identity");
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
    Context context = Context.current().withValue(PEER, new PeerIdentity(certificateGroup, token));
    return Contexts.interceptCall(context, call, headers, next);
  }

  /** The group named by the SPIFFE URI SAN of the verified client certificate, if any. */
  static Optional<String> certificateGroup(SSLSession session) {
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
