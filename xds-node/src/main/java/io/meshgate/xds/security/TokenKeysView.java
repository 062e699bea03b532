package io.meshgate.xds.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.Client;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.PrefixView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy-token keys under {@code /meshgate/v1/tokens/keys/}, held in memory. A {@link
 * PrefixView} of that prefix: listed at one revision R (in pages) and watched from R + 1, so a key
 * deleted to revoke it is known here within a second; a watch that fails, ends or was compacted
 * makes it list again (backing off while etcd is away). A stored value that does not read counts as
 * no key.
 *
 * <p>Until the first list it knows of no key, yet {@link #isLive} says every kid is live: a replica
 * must not end streams because it has not read etcd yet. After a failure it keeps the keys it had
 * until the next list succeeds.
 *
 * <p>Threading: the view's one thread decodes and builds the map; readers read the latest map from
 * any thread.
 */
public final class TokenKeysView implements LivePublicKeys, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TokenKeysView.class);
  private static final String PREFIX = Keyspace.tokenKey("");

  private final PrefixView<PublicKeyEntry> view;

  // Null until the first list.
  private volatile @Nullable Map<String, PublicKeyEntry> keys;

  private TokenKeysView(Client etcd) {
    this.view =
        PrefixView.open(
            requireNonNull(etcd, "etcd"),
            PREFIX,
            "token-keys-view",
            log,
            TokenKeysView::decode,
            this::onListing);
  }

  /** Starts reading and returns at once. Does not own the client: close the view first. */
  public static TokenKeysView open(Client etcd) {
    return new TokenKeysView(etcd);
  }

  /** Whether the keys were listed at least once. */
  @Override
  public boolean loaded() {
    return keys != null;
  }

  /**
   * @throws IllegalStateException before the first list: the verifier then keeps what it has
   */
  @Override
  public List<PublicKeyEntry> publicKeys() {
    Map<String, PublicKeyEntry> now = keys;
    if (now == null) {
      throw new IllegalStateException("the proxy-token keys were not listed from etcd yet");
    }
    return List.copyOf(now.values());
  }

  /** The key {@code kid} as etcd holds it now; empty if deleted (revoked) or never listed. */
  @Override
  public Optional<PublicKeyEntry> find(String kid) {
    Map<String, PublicKeyEntry> now = keys;
    return now == null ? Optional.empty() : Optional.ofNullable(now.get(kid));
  }

  /** Whether tokens signed by {@code kid} still verify; every kid is live until the first list. */
  public boolean isLive(String kid) {
    Map<String, PublicKeyEntry> now = keys;
    return now == null || now.containsKey(kid);
  }

  @Override
  public void close() {
    view.close();
  }

  // ---- on the view's thread

  private static @Nullable PublicKeyEntry decode(String etcdKey, byte[] value, long modRevision) {
    try {
      TokenKey key = TokenKey.parse(new String(value, UTF_8), etcdKey);
      if (!etcdKey.equals(Keyspace.tokenKey(key.kid()))) {
        throw new IllegalArgumentException(etcdKey + ": holds kid " + key.kid());
      }
      return key.publicEntry();
    } catch (IllegalArgumentException e) {
      log.warn("skipping unreadable proxy-token key: {}", e.getMessage());
      return null;
    }
  }

  private void onListing(PrefixView.Listing<PublicKeyEntry> listing) {
    Map<String, PublicKeyEntry> byKid = new HashMap<>();
    listing.values().values().forEach(entry -> byKid.put(entry.kid(), entry));
    Map<String, PublicKeyEntry> before = keys;
    if (before != null) {
      before.keySet().stream()
          .filter(kid -> !byKid.containsKey(kid))
          .forEach(kid -> log.info("proxy-token key kid={} is gone: its tokens are refused", kid));
    }
    keys = Map.copyOf(byKid);
  }
}
