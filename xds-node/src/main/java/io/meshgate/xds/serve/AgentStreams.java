package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.meshgate.xds.security.Authorizer;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The open streams of one of the node's agent services (registration, identity), each with the
 * decision that let it in, so that a credential is checked for the stream's whole life and not only
 * when it opens: a stream whose token expired, or whose token's signing key was revoked, is ended,
 * as is every stream when the node stops. It also holds the streams' places in the service's own
 * {@link StreamAdmission}.
 *
 * <p>A stream asks for a place with {@link #admit}, is reached by the {@code end*} methods once
 * {@link #add added}, and calls {@link #ended} exactly when it is over (more calls are harmless):
 * that gives its place back.
 *
 * <p>Threading: thread-safe. The {@code end*} methods call {@link Stream#fail} on the caller's
 * thread, outside any lock of this class.
 */
public final class AgentStreams<S extends AgentStreams.Stream> {
  /** A stream the service can end. */
  public interface Stream {
    /**
     * Ends the stream with {@code status}, unless it is over already; then calls {@link
     * AgentStreams#ended}.
     */
    void fail(Status status);
  }

  private final StreamAdmission admission;
  private final String plural;
  private final Map<S, Authorizer.Decision.Allowed> open = new ConcurrentHashMap<>();
  private final Set<S> placed = ConcurrentHashMap.newKeySet();

  /**
   * @param admission the service's own budget of open streams and new streams per second
   * @param plural what the service's streams are called in a refusal ({@code "registrations"})
   */
  public AgentStreams(StreamAdmission admission, String plural) {
    this.admission = requireNonNull(admission, "admission");
    this.plural = requireNonNull(plural, "plural");
  }

  /**
   * Asks for a place for {@code stream}, once it was authorized.
   *
   * @return empty when admitted (the place is held until {@link #ended}); else the status to refuse
   *     the stream with: RESOURCE_EXHAUSTED over the cap, UNAVAILABLE over the rate
   */
  public Optional<Status> admit(S stream) {
    StreamAdmission.Outcome outcome = admission.open();
    if (outcome == StreamAdmission.Outcome.ADMITTED) {
      placed.add(stream);
      return Optional.empty();
    }
    return Optional.of(
        outcome == StreamAdmission.Outcome.FULL
            ? Status.RESOURCE_EXHAUSTED.withDescription(
                "this node holds as many " + plural + " as it may; try another node")
            : Status.UNAVAILABLE.withDescription(
                "too many new " + plural + " on this node; try again, or another node"));
  }

  /**
   * {@code stream} is being served, let in by {@code allowed}: the {@code end*} methods reach it.
   */
  public void add(S stream, Authorizer.Decision.Allowed allowed) {
    open.put(stream, requireNonNull(allowed, "allowed"));
  }

  /** {@code stream} is not served for now; it keeps its place. */
  public void remove(S stream) {
    open.remove(stream);
  }

  /** {@code stream} is over: it is removed and gives its place back, if it held one. */
  public void ended(S stream) {
    open.remove(stream);
    if (placed.remove(stream)) {
      admission.closed();
    }
  }

  /** Calls {@code action} with each stream being served now. */
  public void forEach(Consumer<? super S> action) {
    open.keySet().forEach(action);
  }

  /** Streams being served now. */
  public int size() {
    return open.size();
  }

  /**
   * Ends, with UNAUTHENTICATED, every stream whose proxy token expired at {@code now}.
   *
   * @return how many were ended
   */
  public int endExpired(Instant now) {
    return end(
        allowed -> allowed.validUntil().map(now::isAfter).orElse(false),
        Status.UNAUTHENTICATED.withDescription("the proxy token expired"));
  }

  /**
   * Ends, with UNAUTHENTICATED, every stream whose proxy token's signing key {@code liveKid} no
   * longer accepts.
   *
   * @return how many were ended
   */
  public int endRevoked(Predicate<String> liveKid) {
    return end(
        allowed -> allowed.kid().map(k -> !liveKid.test(k)).orElse(false),
        Status.UNAUTHENTICATED.withDescription("the proxy token's signing key was revoked"));
  }

  /** Ends every stream with UNAVAILABLE: this node is stopping. */
  public void endAll() {
    end(allowed -> true, Status.UNAVAILABLE.withDescription("this xds-node is shutting down"));
  }

  private int end(Predicate<Authorizer.Decision.Allowed> which, Status status) {
    Set<S> ending =
        open.entrySet().stream()
            .filter(e -> which.test(e.getValue()))
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    ending.forEach(s -> s.fail(status));
    return ending.size();
  }
}
