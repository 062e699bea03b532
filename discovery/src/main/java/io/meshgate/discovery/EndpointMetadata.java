package io.meshgate.discovery;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An endpoint's metadata (labels a source reports: Consul's service meta, tags and node meta,
 * Nomad's tags, a Workload's labels), bounded so that one registration cannot swell every EDS push:
 * at most {@value #MAX_ENTRIES} entries, keys of at most {@value #MAX_KEY} characters, values of at
 * most {@value #MAX_VALUE} (Consul's own limits on meta). What is over is dropped, never failed on,
 * and logged once per source.
 */
public final class EndpointMetadata {
  private static final Logger log = LoggerFactory.getLogger(EndpointMetadata.class);

  public static final int MAX_ENTRIES = 64;
  public static final int MAX_KEY = 128;
  public static final int MAX_VALUE = 512;

  /** Key prefix of a node's meta (Consul {@code Node.Meta}). */
  public static final String NODE_PREFIX = "node.";

  /** Key prefix of a tag (Consul and Nomad {@code Tags}), whose value is {@code "true"}. */
  public static final String TAG_PREFIX = "tag.";

  /** Sources already warned about; bounded, so a flood of source names cannot grow it. */
  private static final Set<String> warned = ConcurrentHashMap.newKeySet();

  private static final int MAX_WARNED = 1024;

  private EndpointMetadata() {}

  /**
   * The entries within bounds, sorted by key. Entries whose key or value is too long or empty (key)
   * are dropped; past {@value #MAX_ENTRIES} the rest are dropped in the order given (so a caller
   * puts what matters most first). Deterministic: the same input gives the same output on every
   * replica.
   *
   * @param source names the source in the log line, e.g. {@code consul/dc1}
   */
  public static SortedMap<String, String> bounded(Map<String, String> entries, String source) {
    TreeMap<String, String> kept = new TreeMap<>();
    int dropped = 0;
    String example = null;
    for (Map.Entry<String, String> entry : entries.entrySet()) {
      String key = entry.getKey();
      String value = entry.getValue() == null ? "" : entry.getValue();
      if (key == null
          || key.isEmpty()
          || key.length() > MAX_KEY
          || value.length() > MAX_VALUE
          || kept.size() >= MAX_ENTRIES) {
        dropped++;
        if (example == null) {
          example = key == null ? "null" : key.substring(0, Math.min(key.length(), 64));
        }
        continue;
      }
      kept.put(key, value);
    }
    if (dropped > 0 && warned.size() < MAX_WARNED && warned.add(source)) {
      log.warn(
          "{}: {} endpoint metadata entries dropped, first '{}' (expected: at most {} entries, keys"
              + " of 1..{} characters, values of at most {}); logged once per source",
          source,
          dropped,
          example,
          MAX_ENTRIES,
          MAX_KEY,
          MAX_VALUE);
    }
    return Collections.unmodifiableSortedMap(kept);
  }

  /** Whether {@code entries} are within bounds (what {@link #bounded} returns always is). */
  static boolean within(Map<String, String> entries) {
    if (entries.size() > MAX_ENTRIES) {
      return false;
    }
    for (Map.Entry<String, String> entry : entries.entrySet()) {
      if (entry.getKey() == null
          || entry.getKey().isEmpty()
          || entry.getKey().length() > MAX_KEY
          || entry.getValue() == null
          || entry.getValue().length() > MAX_VALUE) {
        return false;
      }
    }
    return true;
  }

  /**
   * Consul's and Nomad's labels in one map, in the order they are kept when over bounds: service
   * meta as it is, then each tag as {@code tag.<tag>: "true"}, then node meta as {@code
   * node.<key>}. Service meta keys cannot hold a dot (Consul allows letters, digits, {@code -} and
   * {@code _}), so the prefixed keys never collide with them. Each part sorted, for determinism.
   */
  public static Map<String, String> labels(
      Map<String, String> serviceMeta, Iterable<String> tags, Map<String, String> nodeMeta) {
    Map<String, String> all = new LinkedHashMap<>(new TreeMap<>(serviceMeta));
    new TreeSet<>(toList(tags)).forEach(t -> all.putIfAbsent(TAG_PREFIX + t, "true"));
    new TreeMap<>(nodeMeta).forEach((k, v) -> all.putIfAbsent(NODE_PREFIX + k, v));
    return all;
  }

  private static List<String> toList(Iterable<String> values) {
    List<String> list = new ArrayList<>();
    values.forEach(list::add);
    return list;
  }
}
