package io.meshgate.meshbridge.meshca;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which mesh CA roots are trusted and which one signs, at a given instant. Pure: no clock, no I/O;
 * every replica holding the same roots answers the same.
 *
 * <p>A root is trusted from its {@code created} on. It stays trusted until the last leaf it may
 * have signed expired: its successor's {@code signsFrom} plus the leaf TTL plus the backdate; the
 * newest root is trusted indefinitely. A leaf whose window starts at {@code s} is signed by the
 * newest root whose {@code signsFrom} is not after {@code s}; the first root also signs windows
 * that started before it was created (a leaf's window may start up to 2/3 of its TTL in the past).
 *
 * @param roots oldest first, as stored (each rotation appends)
 * @param leafTtl the lifetime of the leaves the roots sign
 */
public record RootSet(List<MeshCaRoot> roots, Duration leafTtl) {
  public RootSet {
    roots = List.copyOf(roots);
    requireNonNull(leafTtl, "leafTtl");
  }

  public boolean isEmpty() {
    return roots.isEmpty();
  }

  /** The roots a peer must trust at {@code t}, oldest first. */
  public List<MeshCaRoot> trustedAt(Instant t) {
    requireNonNull(t, "t");
    List<MeshCaRoot> trusted = new ArrayList<>();
    for (int i = 0; i < roots.size(); i++) {
      MeshCaRoot root = roots.get(i);
      Optional<Instant> until = trustedUntil(i);
      if (!t.isBefore(root.created()) && (until.isEmpty() || t.isBefore(until.get()))) {
        trusted.add(root);
      }
    }
    return trusted;
  }

  /** Until when {@code root} is trusted; empty for the newest root (indefinitely). */
  public Optional<Instant> trustedUntil(MeshCaRoot root) {
    int index = roots.indexOf(root);
    if (index < 0) {
      throw new IllegalArgumentException("root: " + root.id() + " (expected: one of this set)");
    }
    return trustedUntil(index);
  }

  /** The root that signs a leaf whose window starts at {@code windowStart}; empty without roots. */
  public Optional<MeshCaRoot> signerAt(Instant windowStart) {
    requireNonNull(windowStart, "windowStart");
    for (int i = roots.size() - 1; i >= 0; i--) {
      if (!roots.get(i).signsFrom().isAfter(windowStart)) {
        return Optional.of(roots.get(i));
      }
    }
    return roots.stream().findFirst();
  }

  /** What {@code root} is at {@code t}. */
  public RootState state(MeshCaRoot root, Instant t) {
    requireNonNull(t, "t");
    Optional<Instant> until = trustedUntil(root);
    if (signerAt(t).filter(root::equals).isPresent()) {
      return RootState.ACTIVE;
    }
    if (t.isBefore(root.signsFrom())) {
      return RootState.PREPARED;
    }
    if (until.isPresent() && !t.isBefore(until.get())) {
      return RootState.RETIRED;
    }
    return RootState.RETIRING;
  }

  /**
   * The first instant after {@code t} at which {@link #trustedAt}, {@link #signerAt} or {@link
   * #state} may answer differently; empty if none will.
   */
  public Optional<Instant> nextChange(Instant t) {
    requireNonNull(t, "t");
    Instant next = null;
    for (int i = 0; i < roots.size(); i++) {
      MeshCaRoot root = roots.get(i);
      List<Instant> instants = new ArrayList<>(List.of(root.created(), root.signsFrom()));
      trustedUntil(i).ifPresent(instants::add);
      for (Instant instant : instants) {
        if (instant.isAfter(t) && (next == null || instant.isBefore(next))) {
          next = instant;
        }
      }
    }
    return Optional.ofNullable(next);
  }

  private Optional<Instant> trustedUntil(int index) {
    if (index == roots.size() - 1) {
      return Optional.empty();
    }
    return Optional.of(
        roots.get(index + 1).signsFrom().plus(leafTtl).plus(MeshCaSettings.BACKDATE));
  }
}
