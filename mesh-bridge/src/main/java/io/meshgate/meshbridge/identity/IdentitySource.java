package io.meshgate.meshbridge.identity;

import java.security.PublicKey;
import java.util.Optional;
import java.util.Set;

/**
 * Where identities come from: meshgate's mesh CA, Consul Connect's CA, istiod, or an Istio mesh's
 * plugged-in CA files. A source issues certificates for the SPIFFE IDs a build asks for, keeps them
 * until they are due, and calls its listeners when a new snapshot would differ (a certificate is
 * due, a root was added or retired). Private keys stay in this process's memory. Thread-safe.
 */
public interface IdentitySource extends AutoCloseable {
  /**
   * The trust domain every ID it issues belongs to; empty until the source has heard from its CA
   * (Consul names its trust domain in its roots).
   */
  Optional<String> trustDomain();

  /**
   * The identities of exactly {@code ids}, current at the source's clock; IDs of another trust
   * domain are left out. Never blocks on a remote call longer than the source's stated timeout.
   */
  IdentitySnapshot snapshotFor(Set<SpiffeId> ids);

  /**
   * A certificate for {@code id} certifying {@code publicKey}, whose private half the workload
   * keeps (proxyless gRPC services send a CSR). The caller has authenticated the workload as {@code
   * id}.
   *
   * @throws IllegalStateException if the source cannot issue now (no CA yet, CA unreachable)
   * @throws UnsupportedOperationException if the source's CA makes the keys itself (Consul's agent
   *     hands out a leaf with its key and signs no CSRs)
   */
  SignedIdentity sign(SpiffeId id, PublicKey publicKey);

  /**
   * The workloads its identities will call. A source whose mesh has rules of its own about who may
   * call whom (Consul's intentions) watches those rules for these targets and reports the ones that
   * deny in its snapshots ({@link IdentitySnapshot#denials()}); others ignore it. Called with every
   * build; the same set again changes nothing.
   */
  default void watchTargets(Set<SpiffeId> targets) {}

  /** The current trust bundle, if the source has a CA. */
  Optional<TrustBundle> bundle();

  /** Runs {@code listener} whenever {@link #snapshotFor} would answer differently. */
  void onChange(Runnable listener);

  @Override
  void close();
}
