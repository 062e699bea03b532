package io.meshgate.xds.envoy;

import com.google.protobuf.Message;
import io.meshgate.xds.ir.ProxyKind;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Envoy resources of the previous build, keyed by the whole IR record each was translated from
 * (with the proxy kind and, for a Secret, its key material): records compare every field, so no
 * field can be left out of a key. An IR element equal to one translated last time gets the same
 * resource instance back, and a change to one route does not translate every cluster again. Only
 * the last build is kept, so the cache never outgrows the config. Not thread-safe: one pipeline
 * thread owns it.
 */
public final class TranslationCache {
  /** What a cache entry translates: the resource type, the proxy kind and the IR input. */
  private record Key(Class<? extends Message> type, ProxyKind kind, Object input) {}

  private Map<Key, Message> previous = new HashMap<>();
  private Map<Key, Message> current = new HashMap<>();
  private long hits;
  private long misses;

  @SuppressWarnings("unchecked")
  <M extends Message> M get(
      Class<M> type, ProxyKind kind, Object input, Supplier<? extends M> translate) {
    Key key = new Key(type, kind, input);
    Message cached = current.get(key);
    if (cached == null) {
      cached = previous.get(key);
      if (cached != null) {
        hits++;
      } else {
        cached = translate.get();
        misses++;
      }
      current.put(key, cached);
    }
    return (M) cached;
  }

  /** Ends a build: what it used is what the next build may reuse. */
  public void endBuild() {
    previous = current;
    current = new HashMap<>();
  }

  /** Resources reused and translated since the cache was made (for /debug and tests). */
  public long hits() {
    return hits;
  }

  public long misses() {
    return misses;
  }
}
