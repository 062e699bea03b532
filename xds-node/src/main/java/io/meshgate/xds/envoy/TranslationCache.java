package io.meshgate.xds.envoy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.meshgate.xds.ir.ProxyKind;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Envoy resources (and parts of them: a route configuration's virtual hosts) of this and the
 * previous build, keyed by the whole IR record each was translated from (with the proxy kind where
 * it matters and, for a Secret, its key material): records compare every field, so no field can be
 * left out of a key. An IR element equal to one translated last time gets the same packed resource
 * back, neither translated nor serialised again, and a change to one route does not translate every
 * cluster again. Only the last build is kept, so the cache never outgrows the config. Not
 * thread-safe: one pipeline thread owns it.
 *
 * <p>Lookups try the IR element's reference first: resolve hands unchanged parts of the IR over as
 * the very instances of the last build ({@code ResolveCache}), and a record's {@code hashCode}
 * walks all of it, so an unchanged element is found without hashing it (each key hashes its input
 * once).
 */
public final class TranslationCache {
  /**
   * What a cache entry translates: the resource type, the proxy kind when the translation depends
   * on it (null when not: a Cluster is the same for a gateway and a proxyless group, and is
   * translated once for both), a scope when the translation depends on where the input sits (a
   * virtual host's route configuration: its rate-limit statistics carry the name), and the IR
   * input. Its hash is computed once.
   */
  private static final class Key {
    final Class<? extends Message> type;
    final @Nullable ProxyKind kind;
    final String scope;
    final Object input;
    private final int hash;

    Key(Class<? extends Message> type, @Nullable ProxyKind kind, String scope, Object input) {
      this.type = type;
      this.kind = kind;
      this.scope = scope;
      this.input = input;
      this.hash = Objects.hash(type, kind, scope, input);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && hash == k.hash
          && type == k.type
          && kind == k.kind
          && scope.equals(k.scope)
          && input.equals(k.input);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** The same as {@link Key}, with the input compared by reference (and hashed by identity). */
  private record Ref(
      Class<? extends Message> type, @Nullable ProxyKind kind, String scope, Object input) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Ref r
          && input == r.input
          && type == r.type
          && kind == r.kind
          && scope.equals(r.scope);
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(input) * 31 + scope.hashCode();
    }
  }

  /** A value and its key by value; null for one kept by reference only. */
  private record Entry(@Nullable Key key, Object value) {}

  private Map<Key, Object> previous = new HashMap<>();
  private Map<Key, Object> current = new HashMap<>();
  private Map<Ref, Entry> previousRefs = new HashMap<>();
  private Map<Ref, Entry> currentRefs = new HashMap<>();
  private long hits;
  private long misses;

  EnvoyResource get(
      Class<? extends Message> type,
      @Nullable ProxyKind kind,
      Object input,
      Supplier<EnvoyResource> translate) {
    return (EnvoyResource) lookup(type, kind, "", input, () -> input, translate::get);
  }

  /**
   * As {@link #get}, for a resource translated from a part of {@code whole} only: found by {@code
   * whole}'s reference, else by the part's value, so a resource whose whole changed elsewhere (a
   * Cluster, whose cluster IR's endpoints changed) is not translated again. The part is made only
   * when the reference is not found.
   */
  <P> EnvoyResource getPart(
      Class<? extends Message> type,
      @Nullable ProxyKind kind,
      Object whole,
      Supplier<P> part,
      Function<P, EnvoyResource> translate) {
    Object[] made = {null};
    return (EnvoyResource)
        lookup(
            type,
            kind,
            "",
            whole,
            () -> made[0] = part.get(),
            () -> {
              @SuppressWarnings("unchecked")
              P input = (P) made[0];
              return translate.apply(input);
            });
  }

  /**
   * The deterministic bytes of a part of a resource (a virtual host of a route configuration),
   * cached as resources are.
   */
  ByteString part(
      Class<? extends Message> type,
      @Nullable ProxyKind kind,
      String scope,
      Object input,
      Supplier<ByteString> translate) {
    return (ByteString) lookup(type, kind, scope, input, () -> input, translate::get);
  }

  /**
   * A resource reused only when its input is the very instance of this or the last build, never
   * compared by value: for inputs so large that hashing them costs what translating them does (a
   * route configuration, whose parts are cached by value through {@link #part}).
   */
  EnvoyResource byReference(
      Class<? extends Message> type,
      @Nullable ProxyKind kind,
      Object input,
      Supplier<EnvoyResource> translate) {
    Ref ref = new Ref(type, kind, "", input);
    Entry entry = currentRefs.get(ref);
    if (entry == null) {
      entry = previousRefs.get(ref);
      if (entry != null) {
        hits++;
      } else {
        entry = new Entry(null, translate.get());
        misses++;
      }
      currentRefs.put(ref, entry);
    }
    return (EnvoyResource) entry.value();
  }

  /**
   * @param reference what the entry is found by first, by reference
   * @param input what it is found by next, by value, and translated from: made only when the
   *     reference is not found
   */
  private Object lookup(
      Class<? extends Message> type,
      @Nullable ProxyKind kind,
      String scope,
      Object reference,
      Supplier<Object> input,
      Supplier<Object> translate) {
    Ref ref = new Ref(type, kind, scope, reference);
    Entry entry = currentRefs.get(ref);
    if (entry != null) {
      return entry.value();
    }
    entry = previousRefs.get(ref);
    if (entry != null) {
      hits++;
    } else {
      Key key = new Key(type, kind, scope, input.get());
      Object value = current.get(key);
      if (value == null) {
        value = previous.get(key);
        if (value != null) {
          hits++;
        } else {
          value = translate.get();
          misses++;
        }
      }
      entry = new Entry(key, value);
    }
    if (entry.key() != null) {
      current.put(entry.key(), entry.value());
    }
    currentRefs.put(ref, entry);
    return entry.value();
  }

  /** Ends a build: what it used is what the next build may reuse. */
  public void endBuild() {
    previous = current;
    current = new HashMap<>();
    previousRefs = currentRefs;
    currentRefs = new HashMap<>();
  }

  /** Resources reused and translated since the cache was made (for /debug and tests). */
  public long hits() {
    return hits;
  }

  public long misses() {
    return misses;
  }
}
