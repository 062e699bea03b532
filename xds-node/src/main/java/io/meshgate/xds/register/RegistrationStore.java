package io.meshgate.xds.register;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.NoSuchLeaseException;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.Registration;
import io.meshgate.config.store.StoredValues;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Registrations in etcd, each under a lease of its own. Every write is guarded by the mod revision
 * this store last saw, so a registration that moved to another stream (its agent registered again
 * through another node) is never written back by the stream it left. Calls block, each bounded by
 * {@link #TIMEOUT}; etcd failures surface as {@link RegistrationStore.EtcdUnavailable}.
 */
public final class RegistrationStore {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** How often a registration is tried again when its key changes between read and write. */
  private static final int ATTEMPTS = 3;

  private final Client etcd;

  public RegistrationStore(Client etcd) {
    this.etcd = requireNonNull(etcd, "etcd");
  }

  /** etcd did not answer, or failed: a retry may help. */
  public static final class EtcdUnavailable extends Exception {
    EtcdUnavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A registration as this store holds it: where its lease and last write are. */
  public record Held(Registration registration, long lease, long modRevision) {}

  /** What registering gave. */
  public sealed interface Outcome permits Stored, HeldByAnother {}

  /** Stored under a new lease. */
  public record Stored(Held held) implements Outcome {}

  /** Another live agent holds this Workload's registration. */
  public record HeldByAnother(Registration other) implements Outcome {}

  /**
   * Stores a registration under a new lease of {@code ttl}, replacing one of the same agent
   * instance (registering again, through this node or after another node died), or none.
   */
  public Outcome register(Registration registration, Duration ttl) throws EtcdUnavailable {
    String key = Keyspace.registration(registration.key());
    for (int attempt = 1; ; attempt++) {
      List<KeyValue> kvs = call("read " + key, etcd.getKVClient().get(bytes(key))).getKvs();
      long seen = 0;
      if (!kvs.isEmpty()) {
        KeyValue kv = kvs.get(0);
        Registration current = readable(kv);
        if (current != null && !current.instance().equals(registration.instance())) {
          return new HeldByAnother(current);
        }
        seen = kv.getModRevision();
      }
      long lease =
          call("grant a lease", etcd.getLeaseClient().grant(Math.max(1, ttl.toSeconds()))).getID();
      TxnResponse txn =
          call(
              "write " + key,
              etcd.getKVClient()
                  .txn()
                  .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(seen)))
                  .Then(
                      Op.put(
                          bytes(key),
                          ByteSequence.from(StoredValues.registration(registration)),
                          PutOption.builder().withLeaseId(lease).build()))
                  .commit());
      if (txn.isSucceeded()) {
        return new Stored(new Held(registration, lease, txn.getHeader().getRevision()));
      }
      revokeQuietly(lease);
      if (attempt == ATTEMPTS) {
        throw new EtcdUnavailable(
            key + " changed under every one of " + ATTEMPTS + " attempts to register", null);
      }
    }
  }

  /**
   * Renews the lease of a registration; false when it has expired (the agent was silent for a whole
   * TTL, or etcd was away that long): register it again.
   */
  public boolean renew(Held held) throws EtcdUnavailable {
    try {
      LeaseKeepAliveResponse response =
          etcd.getLeaseClient()
              .keepAliveOnce(held.lease())
              .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return response.getTTL() > 0;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof NoSuchLeaseException) {
        return false;
      }
      throw new EtcdUnavailable("cannot renew lease " + held.lease() + ": " + cause(e), e);
    } catch (TimeoutException e) {
      throw new EtcdUnavailable(
          "etcd did not renew lease " + held.lease() + " within " + TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailable("interrupted", e);
    }
  }

  /**
   * Writes a new report of a registration under its lease; empty when the key is no longer the one
   * this store wrote (the registration moved to another stream, or expired).
   */
  public Optional<Held> update(Held held, Registration updated) throws EtcdUnavailable {
    String key = Keyspace.registration(updated.key());
    TxnResponse txn =
        call(
            "write " + key,
            etcd.getKVClient()
                .txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(held.modRevision())))
                .Then(
                    Op.put(
                        bytes(key),
                        ByteSequence.from(StoredValues.registration(updated)),
                        PutOption.builder().withLeaseId(held.lease()).build()))
                .commit());
    return txn.isSucceeded()
        ? Optional.of(new Held(updated, held.lease(), txn.getHeader().getRevision()))
        : Optional.empty();
  }

  /**
   * Keeps a registration's lease alive from this node until the returned handle is closed — for a
   * registration whose liveness is a stream this node holds (a sidecar's ADS stream), not an
   * agent's reports. If this node dies, the lease runs out on its own.
   */
  public AutoCloseable keepAlive(Held held) {
    return etcd.getLeaseClient()
        .keepAlive(
            held.lease(),
            new StreamObserver<>() {
              @Override
              public void onNext(LeaseKeepAliveResponse value) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
  }

  /**
   * Ends a registration at its agent's request: revoking its lease deletes the key if the key is
   * still under it (a registration that moved to another lease stays).
   */
  public void deregister(Held held) throws EtcdUnavailable {
    try {
      call("revoke lease " + held.lease(), etcd.getLeaseClient().revoke(held.lease()));
    } catch (EtcdUnavailable e) {
      if (!(e.getCause() instanceof ExecutionException failed)
          || !String.valueOf(failed.getCause()).contains("lease not found")) {
        throw e;
      }
      // Expired already: nothing left to delete.
    }
  }

  private void revokeQuietly(long lease) {
    try {
      etcd.getLeaseClient().revoke(lease).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // It expires on its own.
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static @Nullable Registration readable(KeyValue kv) {
    try {
      return StoredValues.registration(kv.getValue().getBytes(), kv.getModRevision());
    } catch (IllegalArgumentException e) {
      // Unreadable: whoever wrote it does not hold it in any way this node can respect.
      return null;
    }
  }

  private static <T> T call(String what, CompletableFuture<T> future) throws EtcdUnavailable {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new EtcdUnavailable("cannot " + what + ": " + cause(e), e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new EtcdUnavailable("etcd did not " + what + " within " + TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailable("interrupted while trying to " + what, e);
    }
  }

  private static String cause(ExecutionException e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  private static ByteSequence bytes(String key) {
    return ByteSequence.from(key, UTF_8);
  }
}
