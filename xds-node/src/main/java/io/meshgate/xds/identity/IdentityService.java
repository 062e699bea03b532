package io.meshgate.xds.identity;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshgate.identity.v1.Certificate;
import io.meshgate.identity.v1.WatchRequest;
import io.meshgate.identity.v1.WatchResponse;
import io.meshgate.identity.v1.WorkloadIdentityGrpc;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.serve.AgentStreams;
import io.meshgate.xds.serve.StreamAdmission;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's end of {@code meshgate.identity.v1.WorkloadIdentity}: one stream per proxyless gRPC
 * service's agent.
 *
 * <p>Every message is a CSR. The first is taken only from a peer whose credential (a client
 * certificate or a proxy token; never an anonymous stream) names the group {@code
 * proxyless/<namespace>/<service account>}; each is answered with a certificate for {@code
 * spiffe://<trust-domain>/ns/<namespace>/sa/<service account>} over the CSR's public key. The
 * identity comes from the credential alone: the CSR's subject and extensions are never read. While
 * the stream is open, every change of the trust bundle is pushed to it.
 *
 * <p>Threading: gRPC delivers one stream's messages one at a time; bundle pushes come from the
 * source's listener thread. Each stream's writes are serialised on the stream.
 */
public final class IdentityService extends WorkloadIdentityGrpc.WorkloadIdentityImplBase {
  private static final Logger log = LoggerFactory.getLogger(IdentityService.class);

  /** The largest CSR taken, PEM. */
  public static final int MAX_CSR_BYTES = CertificateRequests.MAX_CSR_BYTES;

  private static final Pattern GROUP = Pattern.compile("proxyless/([^/]+)/([^/]+)");

  private final Optional<IdentitySource> source;
  private final Authorizer authorizer;
  private final AgentStreams<WatchStream> streams;

  /**
   * @param source the node's mesh CA; empty when the node has none (every stream is then refused
   *     with UNAVAILABLE, and the agent tries another node)
   * @param admission how many identity streams this node holds at once and opens per second: a
   *     budget of its own, so a storm of agents never takes the proxies' places
   */
  public IdentityService(
      Optional<IdentitySource> source, Authorizer authorizer, StreamAdmission admission) {
    this.source = requireNonNull(source, "source");
    this.authorizer = requireNonNull(authorizer, "authorizer");
    this.streams = new AgentStreams<>(requireNonNull(admission, "admission"), "identity streams");
    source.ifPresent(s -> s.onChange(this::pushBundle));
  }

  /** The group a credential must name to be issued {@code id}, a workload ID. */
  public static String groupOf(SpiffeId id) {
    SpiffeId.Workload workload =
        id.asWorkload()
            .orElseThrow(() -> new IllegalArgumentException(id + " is not a workload ID"));
    return "proxyless/" + workload.namespace() + "/" + workload.serviceAccount();
  }

  /** Identity streams open on this node now. */
  public int openStreams() {
    return streams.size();
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> call =
        (ServerCallStreamObserver<WatchResponse>) responses;
    WatchStream stream = new WatchStream(call, ProxyAuthenticator.currentPeer());
    call.setOnCancelHandler(stream::cancelled);
    return stream;
  }

  /** Ends every stream whose proxy token expired at {@code now}; its agent watches again. */
  public int endExpiredCredentials(Instant now) {
    return streams.endExpired(now);
  }

  /** Ends every stream whose proxy token's signing key {@code liveKid} no longer accepts. */
  public int endRevokedCredentials(Predicate<String> liveKid) {
    return streams.endRevoked(liveKid);
  }

  /** Ends every stream with UNAVAILABLE: this node is stopping; agents watch through another. */
  public void endAllStreams() {
    streams.endAll();
  }

  /** Sends the bundle to every open stream that has not seen it (the source's listener). */
  private void pushBundle() {
    Optional<TrustBundle> bundle = source.flatMap(IdentitySource::bundle);
    if (bundle.isEmpty()) {
      // The CA went away: certificates already issued stay valid; the agents keep their files.
      return;
    }
    streams.forEach(s -> s.push(bundle.get()));
  }

  private final class WatchStream implements StreamObserver<WatchRequest>, AgentStreams.Stream {
    private final ServerCallStreamObserver<WatchResponse> responses;
    private final PeerIdentity peer;
    // Guarded by this.
    private Authorizer.Decision.@Nullable Allowed allowed;
    private @Nullable SpiffeId id;
    private String sentBundle = "";
    private boolean ended;

    WatchStream(ServerCallStreamObserver<WatchResponse> responses, PeerIdentity peer) {
      this.responses = responses;
      this.peer = peer;
    }

    @Override
    public synchronized void onNext(WatchRequest request) {
      if (ended) {
        return;
      }
      if (id == null && !admit(request)) {
        return;
      }
      PublicKey key;
      try {
        key = CertificateRequests.publicKey(request.getCsrPem());
      } catch (CertificateRequests.Refused e) {
        fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
        return;
      }
      SignedIdentity signed;
      try {
        signed = source.get().sign(id, key);
      } catch (IllegalStateException e) {
        fail(Status.UNAVAILABLE.withDescription("cannot issue " + id + ": " + e.getMessage()));
        return;
      }
      sentBundle = signed.bundle().pem();
      responses.onNext(
          WatchResponse.newBuilder()
              .setCertificate(
                  Certificate.newBuilder()
                      .setChainPem(signed.chainPem())
                      .setSpiffeId(signed.id().toString())
                      .setNotAfterSeconds(signed.notAfter().getEpochSecond())
                      .setRefreshAtSeconds(signed.refreshAt().getEpochSecond()))
              .setBundlePem(sentBundle)
              .setTrustDomain(signed.bundle().trustDomain())
              .build());
      log.debug("issued {} until {} ({})", signed.id(), signed.notAfter(), allowed.credential());
    }

    /** Decides the stream's identity from its credential; false if the stream was refused. */
    private boolean admit(WatchRequest request) {
      String nodeId = request.getNodeId();
      Authorizer.Decision decision = authorizer.decide(peer, nodeId, "");
      if (decision instanceof Authorizer.Decision.Denied denied) {
        log.warn("identity stream refused: {}", denied.status().getDescription());
        fail(denied.status());
        return false;
      }
      Authorizer.Decision.Allowed decided = (Authorizer.Decision.Allowed) decision;
      if (decided.anonymous()) {
        fail(
            Status.PERMISSION_DENIED.withDescription(
                "node "
                    + nodeId
                    + ": an identity is issued only to a credential (a client certificate or a"
                    + " proxy token) for the group proxyless/<namespace>/<service account>"));
        return false;
      }
      if (source.isEmpty()) {
        fail(Status.UNAVAILABLE.withDescription("this node has no mesh CA"));
        return false;
      }
      Optional<String> trustDomain = source.get().trustDomain();
      if (trustDomain.isEmpty()) {
        fail(
            Status.UNAVAILABLE.withDescription(
                "this node's identity source has not heard from its CA yet; try again"));
        return false;
      }
      Matcher group = GROUP.matcher(decided.group());
      SpiffeId issued = null;
      if (group.matches()) {
        try {
          issued = SpiffeId.workload(trustDomain.get(), group.group(1), group.group(2));
        } catch (IllegalArgumentException e) {
          // Left null: refused below with the group it came from.
        }
      }
      if (issued == null) {
        fail(
            Status.PERMISSION_DENIED.withDescription(
                "node "
                    + nodeId
                    + " presented a "
                    + decided.credential()
                    + " (expected: a credential for the group proxyless/<namespace>/<service"
                    + " account>, which names the identity issued)"));
        return false;
      }
      if (source.get().bundle().isEmpty()) {
        fail(
            Status.UNAVAILABLE.withDescription(
                "this node's mesh CA has no root yet; try again, or another node"));
        return false;
      }
      Optional<Status> refused = streams.admit(this);
      if (refused.isPresent()) {
        fail(refused.get());
        return false;
      }
      allowed = decided;
      id = issued;
      streams.add(this, decided);
      log.info("identity stream opened: {} for node {} ({})", id, nodeId, decided.credential());
      return true;
    }

    /** Sends {@code bundle} unless this stream was sent it already. */
    synchronized void push(TrustBundle bundle) {
      if (ended || id == null || bundle.pem().equals(sentBundle)) {
        return;
      }
      sentBundle = bundle.pem();
      responses.onNext(
          WatchResponse.newBuilder()
              .setBundlePem(sentBundle)
              .setTrustDomain(bundle.trustDomain())
              .build());
      log.info("pushed a new trust bundle ({} roots) to {}", bundle.rootsPem().size(), id);
    }

    @Override
    public synchronized void onError(Throwable t) {
      end();
    }

    @Override
    public synchronized void onCompleted() {
      if (end()) {
        responses.onCompleted();
      }
    }

    synchronized void cancelled() {
      end();
    }

    @Override
    public synchronized void fail(Status status) {
      if (end()) {
        responses.onError(status.asRuntimeException());
      }
    }

    /** Marks the stream over and gives its place back; false if it was over already. */
    private boolean end() {
      if (ended) {
        return false;
      }
      ended = true;
      streams.ended(this);
      return true;
    }
  }
}
