package io.meshgate.meshbridge.meshca;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.ca.Signing;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh CA's roots in etcd: one value at {@code Keyspace.MESH_CA_ROOTS} holding every root,
 * oldest first (see {@link MeshCaRoot}). Roots are self-signed EC P-256 certificates valid for 10
 * years, their private keys sealed for the cluster's seal key. Writes are single etcd transactions
 * guarded by the value's absence or mod revision, so replicas and operators racing each other never
 * lose a root. Thread-safe; every call is one or two etcd round trips.
 */
public final class MeshCaRoots {
  /** How long a root is valid: far beyond any rotation schedule, so it never lapses unnoticed. */
  public static final Duration ROOT_VALIDITY = Duration.ofDays(3650);

  /** Roots start an hour before their creation, for peers whose clocks are behind. */
  private static final Duration ROOT_BACKDATE = Duration.ofHours(1);

  private static final Logger log = LoggerFactory.getLogger(MeshCaRoots.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final ByteSequence KEY = ByteSequence.from(Keyspace.MESH_CA_ROOTS, UTF_8);

  private final Client client;
  private final String trustDomain;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param trustDomain named in new roots' subject ({@code CN=meshgate mesh CA <trust-domain>})
   */
  public MeshCaRoots(Client client, String trustDomain, Clock clock) {
    this.client = requireNonNull(client, "client");
    this.trustDomain = requireNonNull(trustDomain, "trustDomain");
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * The stored roots, creating the first one if there is none: it is trusted and signs at once.
   * Replicas that race here end with one root: the write is conditional on the key's absence, and
   * the loser reads the winner's root.
   */
  public List<MeshCaRoot> ensureInitialized(Sealer sealer) {
    requireNonNull(sealer, "sealer");
    Optional<Stored> stored = readStored();
    if (stored.isPresent() && !stored.get().roots().isEmpty()) {
      return stored.get().roots();
    }
    Instant now = now();
    MeshCaRoot first = newRoot(sealer, now, now);
    Cmp unchanged =
        stored.isEmpty()
            ? new Cmp(KEY, Cmp.Op.EQUAL, CmpTarget.version(0))
            : new Cmp(KEY, Cmp.Op.EQUAL, CmpTarget.modRevision(stored.get().modRevision()));
    TxnResponse response =
        await(
            client.getKVClient().txn().If(unchanged).Then(put(List.of(first))).commit(),
            "creating the first mesh CA root");
    if (response.isSucceeded()) {
      log.info("created the first mesh CA root id={} for trust domain {}", first.id(), trustDomain);
      return List.of(first);
    }
    List<MeshCaRoot> winner = read();
    if (winner.isEmpty()) {
      throw new IllegalStateException(
          "the mesh CA roots at "
              + Keyspace.MESH_CA_ROOTS
              + " changed while creating the first root, and hold none now; run it again");
    }
    return winner;
  }

  /**
   * Adds a new root: trusted at once, signing from now + {@code propagation}, the time every peer
   * needs to receive it in its trust bundle. The previous root keeps signing until then and stays
   * trusted until its last leaf expired. Atomic: if the roots changed since they were read, nothing
   * is written and this fails; run it again.
   *
   * @throws IllegalStateException if there is no root yet, or the previous rotation's root does not
   *     sign yet (two pending roots would let peers trust a signer they never saw)
   */
  public MeshCaRoot rotate(Sealer sealer, Duration propagation) {
    return rotate(sealer, propagation, () -> {});
  }

  /** As {@link #rotate(Sealer, Duration)}; {@code afterRead} lets a test change etcd meanwhile. */
  MeshCaRoot rotate(Sealer sealer, Duration propagation, Runnable afterRead) {
    requireNonNull(sealer, "sealer");
    requireNonNull(propagation, "propagation");
    if (propagation.isNegative()) {
      throw new IllegalArgumentException("propagation: " + propagation + " (expected: >= 0)");
    }
    Stored stored =
        readStored()
            .filter(s -> !s.roots().isEmpty())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no mesh CA root at "
                            + Keyspace.MESH_CA_ROOTS
                            + " to rotate: a node with a seal key creates the first one at"
                            + " start"));
    Instant now = now();
    MeshCaRoot newest = stored.roots().get(stored.roots().size() - 1);
    if (newest.signsFrom().isAfter(now)) {
      throw new IllegalStateException(
          "mesh CA root "
              + newest.id()
              + " of the previous rotation signs only from "
              + newest.signsFrom()
              + " (now "
              + now
              + "): rotate again after that");
    }
    MeshCaRoot fresh = newRoot(sealer, now, now.plus(propagation));
    afterRead.run();
    List<MeshCaRoot> roots = new ArrayList<>(stored.roots());
    roots.add(fresh);
    TxnResponse response =
        await(
            client
                .getKVClient()
                .txn()
                .If(new Cmp(KEY, Cmp.Op.EQUAL, CmpTarget.modRevision(stored.modRevision())))
                .Then(put(roots))
                .commit(),
            "rotating the mesh CA roots");
    if (!response.isSucceeded()) {
      throw new IllegalStateException(
          "the mesh CA roots changed in etcd during the rotation; nothing was written, run it"
              + " again");
    }
    log.info(
        "rotated the mesh CA: root id={} is trusted now and signs from {}",
        fresh.id(),
        fresh.signsFrom());
    return fresh;
  }

  /** Every stored root, oldest first; empty if none was created yet. */
  public List<MeshCaRoot> read() {
    return readStored().map(Stored::roots).orElse(List.of());
  }

  private MeshCaRoot newRoot(Sealer sealer, Instant created, Instant signsFrom) {
    KeyPair keyPair = KeyPairs.generate(random);
    CertificateAuthority ca =
        CertificateAuthority.selfSigned(
            "meshgate mesh CA " + trustDomain,
            keyPair,
            created.minus(ROOT_BACKDATE),
            created.plus(ROOT_VALIDITY),
            CertificateAuthority.randomSerial(random),
            Signing.RANDOMIZED);
    String id = MeshCaRoot.idOf(ca.certificate());
    byte[] pkcs8 = keyPair.getPrivate().getEncoded();
    try {
      return new MeshCaRoot(
          id,
          Pem.certificates(List.of(ca.certificate())),
          sealer.seal(MeshCaRoot.SEAL_NAMESPACE, id, Map.of(MeshCaRoot.SEAL_VALUE, pkcs8)),
          created,
          signsFrom);
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  private Optional<Stored> readStored() {
    List<KeyValue> kvs = await(client.getKVClient().get(KEY), "reading the mesh CA roots").getKvs();
    if (kvs.isEmpty()) {
      return Optional.empty();
    }
    KeyValue kv = kvs.get(0);
    return Optional.of(
        new Stored(
            MeshCaRoot.parseAll(kv.getValue().toString(UTF_8), Keyspace.MESH_CA_ROOTS),
            kv.getModRevision()));
  }

  private static Op put(List<MeshCaRoot> roots) {
    return Op.put(KEY, ByteSequence.from(MeshCaRoot.toJson(roots), UTF_8), PutOption.DEFAULT);
  }

  private static <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " in etcd failed: " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IllegalStateException(what + ": etcd did not answer within " + TIMEOUT, e);
    }
  }

  private record Stored(List<MeshCaRoot> roots, long modRevision) {}
}
