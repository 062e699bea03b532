package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The identities one build may hand out, at one moment: a certificate and key per SPIFFE ID asked
 * for, and the trust bundle of the domain. Immutable; the pipeline's third input next to the config
 * and the endpoints. Equal snapshots give equal translations. {@link #toString()} shows no key.
 *
 * @param bundle empty when the source has no CA yet (then no identity is issued either)
 * @param problem why a source could not issue, for status and logs; empty when it could
 * @param denials the mesh's own rules against calls from these identities to the targets the build
 *     named ({@link IdentitySource#watchTargets})
 */
public record IdentitySnapshot(
    Optional<TrustBundle> bundle,
    Map<SpiffeId, IssuedIdentity> identities,
    Optional<IdentitySnapshot.Problem> problem,
    List<Denial> denials) {
  /**
   * Why the snapshot lacks identities or may be out of date, and since when: a CA that does not
   * answer, roots that do not open, a certificate about to expire unrenewed.
   */
  public record Problem(String reason, Instant since) {
    public Problem {
      requireNonNull(reason, "reason");
      requireNonNull(since, "since");
    }

    @Override
    public String toString() {
      return reason + " (since " + since + ")";
    }
  }

  private static final IdentitySnapshot EMPTY =
      new IdentitySnapshot(Optional.empty(), Map.of(), Optional.empty(), List.of());

  public IdentitySnapshot {
    requireNonNull(bundle, "bundle");
    identities = Map.copyOf(identities);
    requireNonNull(problem, "problem");
    denials = List.copyOf(denials);
  }

  /** Without denials: a mesh that has no rules of its own about who calls whom. */
  public IdentitySnapshot(
      Optional<TrustBundle> bundle,
      Map<SpiffeId, IssuedIdentity> identities,
      Optional<IdentitySnapshot.Problem> problem) {
    this(bundle, identities, problem, List.of());
  }

  /** No CA, no identities: what a build sees before a source answers, and in tests without one. */
  public static IdentitySnapshot empty() {
    return EMPTY;
  }

  /** No identities, because of {@code problem}. */
  public static IdentitySnapshot unavailable(Problem problem) {
    return new IdentitySnapshot(Optional.empty(), Map.of(), Optional.of(problem), List.of());
  }

  public Optional<IssuedIdentity> get(SpiffeId id) {
    return Optional.ofNullable(identities.get(id));
  }

  /** The earliest moment one of these identities is due for a new certificate. */
  public Optional<Instant> nextRefresh() {
    return identities.values().stream().map(IssuedIdentity::refreshAt).min(Instant::compareTo);
  }

  @Override
  public String toString() {
    return "IdentitySnapshot["
        + bundle.map(b -> b.rootsPem().size() + " root(s) of " + b.trustDomain()).orElse("no CA")
        + ", identities="
        + new TreeMap<>(identities).values()
        + problem.map(p -> ", problem=" + p).orElse("")
        + (denials.isEmpty() ? "" : ", denials=" + denials)
        + "]";
  }
}
