package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The identities one build serves: the snapshot of every source (meshgate's mesh CA, each mesh
 * bridge), looked up by SPIFFE ID and by the name a trust bundle's Secret has. Sources answer only
 * for their own trust domain, so an ID is in at most one snapshot; were it in two, the first wins.
 */
public record Identities(List<IdentitySnapshot> snapshots) {
  private static final Identities EMPTY = new Identities(List.of());

  public Identities {
    snapshots = List.copyOf(requireNonNull(snapshots, "snapshots"));
  }

  public static Identities empty() {
    return EMPTY;
  }

  public static Identities of(IdentitySnapshot... snapshots) {
    return new Identities(Arrays.asList(snapshots));
  }

  /** The identity issued for {@code id}, by whichever source issues it. */
  public Optional<IssuedIdentity> get(SpiffeId id) {
    return snapshots.stream().flatMap(s -> s.get(id).stream()).findFirst();
  }

  /** The bundle whose Secret is named {@code secretName} ({@code spiffe://<trust-domain>}). */
  public Optional<TrustBundle> bundle(String secretName) {
    return snapshots.stream()
        .flatMap(s -> s.bundle().stream())
        .filter(b -> b.secretName().equals(secretName))
        .findFirst();
  }

  /** The mesh's denial of calls from {@code caller} to {@code target}, if a source reports one. */
  public Optional<Denial> denial(SpiffeId caller, SpiffeId target) {
    return snapshots.stream()
        .flatMap(s -> s.denials().stream())
        .filter(d -> d.caller().equals(caller) && d.target().equals(target))
        .findFirst();
  }

  /** The bundle of {@code trustDomain}, if a source has one. */
  public Optional<TrustBundle> bundleOf(String trustDomain) {
    return bundle(SpiffeId.trustDomainId(trustDomain));
  }
}
