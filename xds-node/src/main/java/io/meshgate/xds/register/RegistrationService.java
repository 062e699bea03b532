package io.meshgate.xds.register;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.WorkloadSpec;
import io.meshgate.config.store.Registration;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.config.validate.Violation;
import io.meshgate.registration.v1.Health;
import io.meshgate.registration.v1.HealthReport;
import io.meshgate.registration.v1.RegisterRequest;
import io.meshgate.registration.v1.RegisterResponse;
import io.meshgate.registration.v1.WorkloadRegistrationGrpc;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.serve.AgentStreams;
import io.meshgate.xds.serve.StreamAdmission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's end of {@code meshgate.registration.v1.WorkloadRegistration}: one stream per agent.
 *
 * <p>The first message registers a Workload. It is validated as {@code meshgate apply} would, and
 * taken only from a peer whose credential names the group {@code workload/<namespace>/<name>} (or
 * from anyone where anonymous streams are allowed, as on a loopback-only xDS port). The node stores
 * it under a lease of {@link #ttl()} and answers; every later message is a health report that
 * renews the lease (and rewrites the registration when the health changed). A half-close
 * deregisters at once; a stream that breaks leaves the registration to its lease, so an agent that
 * reconnects within the TTL never flaps its endpoint.
 *
 * <p>Threading: gRPC delivers one stream's messages one at a time; each is handled to its end, with
 * etcd calls bounded by {@link RegistrationStore#TIMEOUT}, before the next.
 */
public final class RegistrationService
    extends WorkloadRegistrationGrpc.WorkloadRegistrationImplBase {
  private static final Logger log = LoggerFactory.getLogger(RegistrationService.class);

  /** The largest Workload document taken, far below etcd's limits. */
  public static final int MAX_WORKLOAD_BYTES = 64 * 1024;

  /**
   * Reports closer together than this are answered without renewing the lease again (an agent
   * reports a few times per TTL; one that floods never turns into etcd load).
   */
  static final Duration MIN_RENEWAL_INTERVAL = Duration.ofMillis(200);

  /** The default lease: a silent agent's endpoint leaves within it. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

  private final RegistrationStore store;
  private final Authorizer authorizer;
  private final Clock clock;
  private final String replicaId;
  private final Duration ttl;
  private final AgentStreams<AgentStream> streams;
  private final AtomicLong renewals = new AtomicLong();

  /**
   * @param admission how many registration streams this node holds at once and opens per second (a
   *     node restart sends every agent it held to the others at once; etcd takes each as a few
   *     round trips): over either, a stream is refused and its agent tries another node
   */
  public RegistrationService(
      RegistrationStore store,
      Authorizer authorizer,
      StreamAdmission admission,
      Clock clock,
      String replicaId,
      Duration ttl) {
    this.store = requireNonNull(store, "store");
    this.authorizer = requireNonNull(authorizer, "authorizer");
    this.streams = new AgentStreams<>(requireNonNull(admission, "admission"), "registrations");
    this.clock = requireNonNull(clock, "clock");
    this.replicaId = requireNonNull(replicaId, "replicaId");
    if (ttl.compareTo(Duration.ofSeconds(2)) < 0) {
      throw new IllegalArgumentException(
          "registration ttl: " + ttl + " (expected: at least 2 s, etcd's shortest lease)");
    }
    this.ttl = ttl;
  }

  public Duration ttl() {
    return ttl;
  }

  /** Leases renewed in etcd since start (reports answered without one are not counted). */
  public long renewals() {
    return renewals.get();
  }

  /** Registrations whose stream is open on this node now. */
  public int openStreams() {
    return streams.size();
  }

  @Override
  public StreamObserver<RegisterRequest> register(StreamObserver<RegisterResponse> responses) {
    AgentStream stream =
        new AgentStream(
            (ServerCallStreamObserver<RegisterResponse>) responses,
            ProxyAuthenticator.currentPeer());
    ((ServerCallStreamObserver<RegisterResponse>) responses).setOnCancelHandler(stream::cancelled);
    return stream;
  }

  /**
   * Ends every stream whose proxy token expired at {@code now}; its registration is left to its
   * lease (an agent with a new token registers again before it runs out).
   */
  public int endExpiredCredentials(Instant now) {
    return streams.endExpired(now);
  }

  /** Ends every stream whose proxy token's signing key {@code liveKid} no longer accepts. */
  public int endRevokedCredentials(Predicate<String> liveKid) {
    return streams.endRevoked(liveKid);
  }

  /**
   * Ends every stream with UNAVAILABLE: this node is stopping. The registrations stay under their
   * leases; their agents register again through another node.
   */
  public void endAllStreams() {
    streams.endAll();
  }

  private final class AgentStream implements StreamObserver<RegisterRequest>, AgentStreams.Stream {
    private final ServerCallStreamObserver<RegisterResponse> responses;
    private final PeerIdentity peer;
    // Guarded by this.
    private Authorizer.Decision.@Nullable Allowed allowed;
    private RegistrationStore.@Nullable Held held;
    private boolean ended;
    private Instant renewed = Instant.EPOCH;

    AgentStream(ServerCallStreamObserver<RegisterResponse> responses, PeerIdentity peer) {
      this.responses = responses;
      this.peer = peer;
    }

    @Override
    public synchronized void onNext(RegisterRequest request) {
      if (ended) {
        return;
      }
      if (held == null) {
        if (!request.hasRegistration()) {
          fail(Status.INVALID_ARGUMENT.withDescription("the first message must be a registration"));
          return;
        }
        register(request.getRegistration());
        return;
      }
      if (!request.hasReport()) {
        fail(Status.INVALID_ARGUMENT.withDescription("a stream registers once; then it reports"));
        return;
      }
      report(request.getReport());
    }

    private void register(io.meshgate.registration.v1.Registration registration) {
      if (registration.getWorkload().size() > MAX_WORKLOAD_BYTES) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                "workload: "
                    + registration.getWorkload().size()
                    + " bytes (expected: at most "
                    + MAX_WORKLOAD_BYTES
                    + ")"));
        return;
      }
      if (registration.getInstance().isBlank() || registration.getInstance().length() > 128) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                "instance: '" + registration.getInstance() + "' (expected: 1 to 128 characters)"));
        return;
      }
      Validation validation =
          ResourceValidator.get().validate(registration.getWorkload().toByteArray());
      if (validation instanceof Validation.Invalid invalid) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                "the Workload is not valid: "
                    + invalid.violations().stream()
                        .map(Violation::toString)
                        .collect(Collectors.joining("; "))));
        return;
      }
      Resource workload = ((Validation.Valid) validation).resource();
      if (workload.kind() != Kind.WORKLOAD) {
        fail(
            Status.INVALID_ARGUMENT.withDescription(
                "kind: " + workload.kind().wireName() + " (expected: Workload)"));
        return;
      }
      ResourceKey key = workload.key();
      Authorizer.Decision decision = authorizer.decide(peer, key.name(), groupOf(key));
      if (decision instanceof Authorizer.Decision.Denied denied) {
        log.warn("registration of {} refused: {}", key, denied.status().getDescription());
        fail(denied.status());
        return;
      }
      Optional<Status> refused = streams.admit(this);
      if (refused.isPresent()) {
        fail(refused.get());
        return;
      }
      allowed = (Authorizer.Decision.Allowed) decision;
      Registration wanted =
          new Registration(
              workload,
              registration.getInstance(),
              health(registration.getHealth(), declared(workload)),
              "",
              replicaId,
              clock.instant());
      store(wanted, "registered");
    }

    /** Stores a registration under a new lease (the first time, or after the lease expired). */
    private void store(Registration wanted, String what) {
      RegistrationStore.Outcome outcome;
      try {
        outcome = store.register(wanted, ttl);
      } catch (RegistrationStore.EtcdUnavailable e) {
        fail(Status.UNAVAILABLE.withDescription(e.getMessage()));
        return;
      }
      if (outcome instanceof RegistrationStore.HeldByAnother other) {
        fail(
            Status.ALREADY_EXISTS.withDescription(
                wanted.key()
                    + " is registered by another agent (instance "
                    + other.other().instance()
                    + ", through "
                    + other.other().node()
                    + "); it is free once that agent stops reporting, within "
                    + ttl.toSeconds()
                    + " s"));
        return;
      }
      held = ((RegistrationStore.Stored) outcome).held();
      streams.add(this, allowed);
      log.info(
          "{} {} (agent {}, {}, lease {} of {} s)",
          what,
          wanted.key(),
          wanted.instance(),
          wanted.health(),
          Long.toHexString(held.lease()),
          ttl.toSeconds());
      answer();
    }

    private void report(HealthReport report) {
      RegistrationStore.Held current = held;
      HealthStatus health = health(report.getHealth(), current.registration().health());
      Instant now = clock.instant();
      if (health == current.registration().health()
          && now.isBefore(renewed.plus(MIN_RENEWAL_INTERVAL))) {
        answer();
        return;
      }
      renewed = now;
      try {
        renewals.incrementAndGet();
        if (!store.renew(current)) {
          log.info(
              "the lease of {} had expired; registering it again", current.registration().key());
          streams.remove(this);
          held = null;
          store(
              current.registration().reported(health, report.getOutput(), clock.instant()),
              "re-registered");
          return;
        }
        if (health != current.registration().health()) {
          Optional<RegistrationStore.Held> updated =
              store.update(
                  current,
                  current.registration().reported(health, report.getOutput(), clock.instant()));
          if (updated.isEmpty()) {
            fail(
                Status.ABORTED.withDescription(
                    current.registration().key()
                        + " was registered again on another stream; this one ends"));
            return;
          }
          held = updated.get();
          log.info("{} reports {}", current.registration().key(), health);
        }
      } catch (RegistrationStore.EtcdUnavailable e) {
        fail(Status.UNAVAILABLE.withDescription(e.getMessage()));
        return;
      }
      answer();
    }

    private void answer() {
      RegistrationStore.Held current = held;
      responses.onNext(
          RegisterResponse.newBuilder()
              .setWorkload(current.registration().key().toString())
              .setTtlSeconds(ttl.toSeconds())
              .setRevision(current.modRevision())
              .build());
    }

    @Override
    public synchronized void onError(Throwable t) {
      // The stream broke: the registration stays under its lease, for the agent to come back.
      end();
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

    @Override
    public synchronized void onCompleted() {
      if (!end()) {
        return;
      }
      RegistrationStore.Held current = held;
      if (current != null) {
        try {
          store.deregister(current);
          log.info("deregistered {} at its agent's request", current.registration().key());
        } catch (RegistrationStore.EtcdUnavailable e) {
          log.warn(
              "cannot deregister {}; it leaves when its lease expires: {}",
              current.registration().key(),
              e.getMessage());
        }
      }
      responses.onCompleted();
    }

    synchronized void cancelled() {
      end();
    }

    @Override
    public synchronized void fail(Status status) {
      if (!end()) {
        return;
      }
      responses.onError(status.asRuntimeException());
    }
  }

  /** The group a credential must name to register this Workload. */
  public static String groupOf(ResourceKey workload) {
    return "workload/" + workload.namespace() + "/" + workload.name();
  }

  /** A reported health; {@code otherwise} when the agent left it unspecified. */
  private static HealthStatus health(Health health, HealthStatus otherwise) {
    switch (health) {
      case PASSING:
        return HealthStatus.PASSING;
      case WARNING:
        return HealthStatus.WARNING;
      case CRITICAL:
        return HealthStatus.CRITICAL;
      default:
        return otherwise;
    }
  }

  /** The health a Workload's spec states, Passing when it states none. */
  private static HealthStatus declared(Resource workload) {
    WorkloadSpec spec = workload.spec(WorkloadSpec.class);
    return spec.health() == null ? HealthStatus.PASSING : spec.health().status();
  }
}
