package io.meshgate.xds.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.config.seal.SealException;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.Keyspace;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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
 * The proxy-token signing keys in etcd ({@code Keyspace.tokenKey(kid)}, see {@link TokenKey}). The
 * newest key that is not retired signs; every stored key verifies, so a rotation never invalidates
 * tokens already handed out. {@link #revoke} deletes keys: every token they signed is refused, and
 * the replicas end the streams those tokens opened (docs/security.md). Thread-safe; every call is
 * one etcd round trip.
 */
public final class TokenKeys implements PublicKeySource {
  /** The Secret namespace a private key is sealed for; the name is its kid. */
  public static final String SEAL_NAMESPACE = "meshgate-tokens";

  /** The sealed value's key: the PKCS#8 DER of the private key. */
  static final String SEAL_VALUE = "pkcs8";

  private static final Logger log = LoggerFactory.getLogger(TokenKeys.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String PREFIX = Keyspace.tokenKey("");

  private final Client client;
  private final Clock clock;

  public TokenKeys(Client client, Clock clock) {
    this.client = requireNonNull(client, "client");
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * Adds a new key, which signs from now on (the newest key that is not retired signs). Keys
   * already stored stay as they are.
   */
  public TokenKey create(Sealer sealer) {
    requireNonNull(sealer, "sealer");
    TokenKey key = newKey(sealer);
    TxnResponse response =
        await(
            client.getKVClient().txn().If(absent(key.kid())).Then(put(key)).commit(),
            "storing token key " + key.kid());
    if (!response.isSucceeded()) {
      throw new IllegalStateException("token key " + key.kid() + " already exists in etcd");
    }
    log.info("created proxy-token signing key kid={}", key.kid());
    return key;
  }

  /**
   * Adds a new key that signs from now on and retires every other current key: retired keys keep
   * verifying the tokens they signed until those expire. Atomic: if another rotation or creation
   * got in between, nothing is written and this fails; run it again.
   */
  public TokenKey rotate(Sealer sealer) {
    requireNonNull(sealer, "sealer");
    List<Stored> stored = readAll();
    TokenKey fresh = newKey(sealer);
    List<Cmp> unchanged = new ArrayList<>();
    List<Op> writes = new ArrayList<>();
    unchanged.add(absent(fresh.kid()));
    writes.add(put(fresh));
    List<String> retired = new ArrayList<>();
    for (Stored old : stored) {
      unchanged.add(
          new Cmp(
              bytes(Keyspace.tokenKey(old.key().kid())),
              Cmp.Op.EQUAL,
              CmpTarget.modRevision(old.modRevision())));
      if (!old.key().isRetired()) {
        writes.add(put(old.key().retired(fresh.created())));
        retired.add(old.key().kid());
      }
    }
    TxnResponse response =
        await(
            client
                .getKVClient()
                .txn()
                .If(unchanged.toArray(Cmp[]::new))
                .Then(writes.toArray(Op[]::new))
                .commit(),
            "rotating token keys");
    if (!response.isSucceeded()) {
      throw new IllegalStateException(
          "the token keys changed in etcd during the rotation; nothing was written, run it again");
    }
    log.info("rotated proxy-token signing keys: kid={} signs, retired {}", fresh.kid(), retired);
    return fresh;
  }

  /**
   * Deletes the keys {@code kids}, at once: the replicas watch the keys, refuse their tokens and
   * end the streams those tokens opened within a second. Refuses to delete {@code signing} (the key
   * that signs from now on) and a kid that is not stored; then nothing is deleted.
   *
   * @throws IllegalArgumentException naming the kid refused
   */
  public void revoke(List<String> kids, String signing) {
    requireNonNull(signing, "signing");
    List<String> stored = keys().stream().map(TokenKey::kid).toList();
    for (String kid : kids) {
      if (kid.equals(signing)) {
        throw new IllegalArgumentException(
            "kid " + kid + " signs from now on and cannot be revoked (expected: a retired key)");
      }
      if (!stored.contains(kid)) {
        throw new IllegalArgumentException(
            "kid " + kid + " is not a stored token key (expected one of: " + stored + ")");
      }
    }
    List<Cmp> present = new ArrayList<>();
    List<Op> deletes = new ArrayList<>();
    for (String kid : kids) {
      present.add(new Cmp(bytes(Keyspace.tokenKey(kid)), Cmp.Op.GREATER, CmpTarget.version(0)));
      deletes.add(Op.delete(bytes(Keyspace.tokenKey(kid)), DeleteOption.DEFAULT));
    }
    TxnResponse response =
        await(
            client
                .getKVClient()
                .txn()
                .If(present.toArray(Cmp[]::new))
                .Then(deletes.toArray(Op[]::new))
                .commit(),
            "revoking token keys " + kids);
    if (!response.isSucceeded()) {
      throw new IllegalStateException(
          "a token key to revoke was deleted meanwhile; nothing was deleted, run it again");
    }
    log.info("revoked proxy-token signing keys {}", kids);
  }

  /** Every stored key, current and retired, oldest first; unreadable entries are skipped. */
  public List<TokenKey> keys() {
    return readAll().stream().map(Stored::key).toList();
  }

  @Override
  public List<PublicKeyEntry> publicKeys() {
    return keys().stream().map(TokenKey::publicEntry).toList();
  }

  /**
   * The key that signs: the newest one not retired, opened with the cluster's seal private key.
   * Empty when no key was created yet.
   *
   * @throws IllegalStateException if it was sealed for another seal key, or does not open
   */
  public Optional<SigningKey> currentSigningKey(Unsealer unsealer) {
    requireNonNull(unsealer, "unsealer");
    Optional<TokenKey> current =
        readAll().stream().filter(s -> !s.key().isRetired()).reduce((a, b) -> b).map(Stored::key);
    return current.map(key -> open(key, unsealer));
  }

  private static SigningKey open(TokenKey key, Unsealer unsealer) {
    Map<String, byte[]> values;
    try {
      values = unsealer.unseal(SEAL_NAMESPACE, key.kid(), key.sealedPrivate());
    } catch (SealException e) {
      throw new IllegalStateException(
          "token key "
              + key.kid()
              + " cannot be opened with seal key "
              + unsealer.keyId()
              + " ("
              + e.getMessage()
              + "); with the seal key in use, run 'meshgate token rotate-key'",
          e);
    }
    byte[] pkcs8 = values.get(SEAL_VALUE);
    try {
      if (pkcs8 == null) {
        throw new IllegalStateException(
            "token key " + key.kid() + ": the sealed envelope has no '" + SEAL_VALUE + "' value");
      }
      ECPrivateKey privateKey =
          (ECPrivateKey)
              KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      return new SigningKey(key.kid(), privateKey, key.publicKey());
    } catch (GeneralSecurityException | ClassCastException e) {
      // No cause: a key-parsing exception may describe the bytes it could not read.
      throw new IllegalStateException(
          "token key " + key.kid() + ": the sealed private key is not an EC PKCS#8 key");
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "token key " + key.kid() + ": the sealed private key does not match its public key");
    } finally {
      values.values().forEach(value -> Arrays.fill(value, (byte) 0));
    }
  }

  private TokenKey newKey(Sealer sealer) {
    SigningKey key = SigningKey.generate();
    byte[] pkcs8 = key.privateKey().getEncoded();
    try {
      return new TokenKey(
          key.kid(),
          key.publicKey(),
          sealer.seal(SEAL_NAMESPACE, key.kid(), Map.of(SEAL_VALUE, pkcs8)),
          clock.instant().truncatedTo(ChronoUnit.MILLIS),
          Optional.empty());
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
  }

  /** Every readable entry, oldest first (by creation time, then by etcd's creation order). */
  private List<Stored> readAll() {
    List<KeyValue> kvs =
        await(
                client.getKVClient().get(bytes(PREFIX), GetOption.builder().isPrefix(true).build()),
                "reading token keys")
            .getKvs();
    List<Stored> stored = new ArrayList<>();
    for (KeyValue kv : kvs) {
      String etcdKey = kv.getKey().toString(UTF_8);
      try {
        TokenKey key = TokenKey.parse(kv.getValue().toString(UTF_8), etcdKey);
        if (!etcdKey.equals(Keyspace.tokenKey(key.kid()))) {
          throw new IllegalArgumentException(etcdKey + ": holds kid " + key.kid());
        }
        stored.add(new Stored(key, kv.getCreateRevision(), kv.getModRevision()));
      } catch (IllegalArgumentException e) {
        log.warn("skipping unreadable proxy-token key: {}", e.getMessage());
      }
    }
    stored.sort(
        Comparator.comparing((Stored s) -> s.key().created())
            .thenComparingLong(Stored::createRevision));
    return stored;
  }

  private static Cmp absent(String kid) {
    return new Cmp(bytes(Keyspace.tokenKey(kid)), Cmp.Op.EQUAL, CmpTarget.version(0));
  }

  private static Op put(TokenKey key) {
    return Op.put(bytes(Keyspace.tokenKey(key.kid())), bytes(key.toJson()), PutOption.DEFAULT);
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, UTF_8);
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

  private record Stored(TokenKey key, long createRevision, long modRevision) {}
}
