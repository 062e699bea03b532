package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.edge.ratelimit.RedisSettings;
import io.meshgate.edge.signature.AuthzServer;
import io.meshgate.edge.signature.HmacAuthorizationService;
import io.meshgate.edge.signature.HmacPolicies;
import io.meshgate.edge.signature.NonceStore;
import io.meshgate.edge.signature.NonceUse;
import io.meshgate.edge.signature.RedisNonces;
import io.meshgate.xds.edge.HmacConfigs;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.pipeline.Pipeline;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * meshgate's HMAC signature service inside {@code meshgate node}: fed by every build of the
 * pipeline ({@link HmacConfigs} derives its policies from the resolved IR and the key ring),
 * started on {@code MESHGATE_AUTHZ_ADDR} at the first build whose routes demand signatures (a
 * replica without such a policy opens no port), connected to Redis at the first build with a policy
 * that requires nonces, and stopped with the node.
 *
 * <p>Threading: {@link #built} runs on the pipeline's thread; the service reads the policies
 * through an atomic reference, so a call sees one build's policies whole.
 */
public final class SignatureService implements Pipeline.BuildListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SignatureService.class);

  private final InetSocketAddress address;
  private final RedisSettings redis;
  private final KeyLoader keys;
  private final Clock clock;
  private final AtomicReference<HmacPolicies> policies =
      new AtomicReference<>(HmacPolicies.empty());
  private final AtomicReference<@Nullable RedisNonces> nonces = new AtomicReference<>();
  private @Nullable AuthzServer server;
  private boolean closed;

  private SignatureService(
      InetSocketAddress address, RedisSettings redis, KeyLoader keys, Clock clock) {
    this.address = requireNonNull(address, "address");
    this.redis = requireNonNull(redis, "redis");
    this.keys = requireNonNull(keys, "keys");
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * The service fed by {@code pipeline}'s builds; empty, with a log line, when the settings turn it
   * off.
   */
  public static Optional<SignatureService> attach(
      SignatureSettings settings, KeyLoader keys, Pipeline pipeline, Clock clock) {
    if (settings.authz().isEmpty()) {
      log.info(
          "MESHGATE_AUTHZ_ADDR=off: no HMAC signature service on this replica; routes that demand"
              + " signatures answer 503 unless a service listens on {}:{}",
          settings.envoyAddress().host(),
          settings.envoyAddress().port());
      return Optional.empty();
    }
    SignatureService service =
        new SignatureService(settings.authz().get(), settings.redis(), keys, clock);
    pipeline.onBuilt(service);
    return Optional.of(service);
  }

  @Override
  public synchronized void built(
      ConfigSnapshot config, ResolvedIr resolved, EndpointDiscovery.Discovered discovered) {
    if (closed) {
      return;
    }
    HmacPolicies current;
    try {
      current = HmacConfigs.from(resolved, keys.ringFor(config));
    } catch (RuntimeException e) {
      // A bug here must not stop the pipeline's other listeners; the last policies stay.
      log.error("HMAC signature policies not updated for revision {}", config.revision(), e);
      return;
    }
    policies.set(current);
    if (current.needNonces() && nonces.get() == null) {
      log.info("HMAC signature policies require nonces: connecting to {}", redis);
      nonces.set(RedisNonces.connect(redis));
    }
    if (!current.byName().isEmpty() && server == null) {
      try {
        server =
            AuthzServer.start(
                address, new HmacAuthorizationService(policies::get, new Nonces(), clock));
        log.info("HMAC signature service listening on {}:{}", address.getHostString(), port());
      } catch (RuntimeException e) {
        // Tried again at the next build; until then the routes answer 503 (Envoy's
        // status_on_error).
        log.error("cannot start the HMAC signature service on {}: {}", address, e.getMessage());
      }
    }
  }

  /** The port it listens on, once started. */
  public synchronized Optional<Integer> port() {
    return server == null ? Optional.empty() : Optional.of(server.port());
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (server != null) {
      server.close();
      server = null;
    }
    RedisNonces redisNonces = nonces.getAndSet(null);
    if (redisNonces != null) {
      redisNonces.close();
    }
  }

  /** Redis once a policy needed it; before that, a store that cannot answer. */
  private final class Nonces implements NonceStore {
    @Override
    public CompletableFuture<NonceUse> firstUse(
        String policy, String keyid, String nonce, Duration window) {
      RedisNonces redisNonces = nonces.get();
      return redisNonces == null
          ? NonceStore.none().firstUse(policy, keyid, nonce, window)
          : redisNonces.firstUse(policy, keyid, nonce, window);
    }

    @Override
    public String describe() {
      RedisNonces redisNonces = nonces.get();
      return redisNonces == null ? "no Redis connection yet" : redisNonces.describe();
    }
  }
}
