package io.meshgate.xds.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.serve.NodeRejection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The value of {@code /meshgate/v1/rejections/<replica>}: the rejections a replica remembers, for
 * the other replicas. Canonical JSON, compact, a list sorted by group, node id and type URL, the
 * names of each entry sorted:
 *
 * <pre>{@code
 * [{"group":"gateway/shop/edge","nodeId":"edge-1",
 *   "typeUrl":"type.googleapis.com/envoy.config.cluster.v3.Cluster",
 *   "version":"9f2c…","names":["default/echo"],"at":1767225600000}]
 * }</pre>
 *
 * <p>Bounded, so one replica's value stays far below etcd's request limit and every replica can
 * hold all the others': at most {@value #MAX_ENTRIES} entries, the latest; an entry of more than
 * {@value #MAX_NAMES} names, or of names over {@value #MAX_NAME_BYTES} bytes in all, goes without
 * them ({@code "omittedNames": N} in their place) and the peers do not inherit it — the proxy is
 * sent that version once more and NACKs it again, which is safe; and at most {@value #MAX_BYTES}
 * bytes in all, the oldest entries dropped until it fits. No error detail, no resource: groups,
 * node ids, type URLs, versions and resource names only. Pure.
 */
public final class PublishedRejections {
  public static final int MAX_ENTRIES = 2_000;
  public static final int MAX_NAMES = 256;
  public static final int MAX_NAME_BYTES = 64 * 1024;
  public static final int MAX_BYTES = 512 * 1024;

  private static final Comparator<NodeRejection> BY_KEY =
      Comparator.comparing(NodeRejection::group)
          .thenComparing(NodeRejection::nodeId)
          .thenComparing(NodeRejection::typeUrl);

  private PublishedRejections() {}

  /**
   * The value to write, and how many of the rejections it holds.
   *
   * @param dropped the rejections left out: beyond {@value #MAX_ENTRIES}, or older than what fits
   *     in {@value #MAX_BYTES} bytes
   */
  public record Encoded(String json, int published, int dropped) {}

  /** The value for these rejections, given the latest first (as Rejections.recent gives them). */
  public static Encoded encode(List<NodeRejection> latestFirst) {
    List<NodeRejection> kept = new ArrayList<>();
    List<byte[]> keptJson = new ArrayList<>();
    long bytes = 2; // the brackets
    for (NodeRejection rejection : latestFirst) {
      if (kept.size() == MAX_ENTRIES) {
        break;
      }
      byte[] json = entry(rejection);
      long more = json.length + (kept.isEmpty() ? 0 : 1); // and a comma
      if (bytes + more > MAX_BYTES) {
        break; // this one and every older one
      }
      bytes += more;
      kept.add(rejection);
      keptJson.add(json);
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(kept::get, BY_KEY));
    StringBuilder out = new StringBuilder((int) bytes).append('[');
    for (int i : order) {
      if (out.length() > 1) {
        out.append(',');
      }
      out.append(new String(keptJson.get(i), StandardCharsets.UTF_8));
    }
    String json = out.append(']').toString();
    return new Encoded(json, kept.size(), latestFirst.size() - kept.size());
  }

  /**
   * The rejections a peer may inherit from a published value: entries without their names are left
   * out, and so is any entry that does not read as one (a newer replica may add fields; they are
   * ignored).
   *
   * @throws IllegalArgumentException if the value is not a JSON list
   */
  public static List<NodeRejection> decode(String json) {
    JsonNode root;
    try {
      root = Mappers.json().readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException("not a JSON list of rejections");
    }
    List<NodeRejection> rejections = new ArrayList<>();
    for (JsonNode entry : root) {
      if (rejections.size() == MAX_ENTRIES) {
        break;
      }
      if (!entry.isObject() || entry.has("omittedNames")) {
        continue;
      }
      JsonNode names = entry.path("names");
      if (!text(entry, "group", "nodeId", "typeUrl", "version")
          || !entry.path("at").isIntegralNumber()
          || !(names.isMissingNode() || names.isArray())
          || names.size() > MAX_NAMES) {
        continue;
      }
      List<String> read = new ArrayList<>();
      names.forEach(n -> read.add(n.asText()));
      rejections.add(
          new NodeRejection(
              entry.get("group").asText(),
              entry.get("nodeId").asText(),
              entry.get("typeUrl").asText(),
              entry.get("version").asText(),
              read,
              entry.get("at").asLong()));
    }
    return rejections;
  }

  private static byte[] entry(NodeRejection rejection) {
    ObjectNode entry = Mappers.json().createObjectNode();
    entry
        .put("group", rejection.group())
        .put("nodeId", rejection.nodeId())
        .put("typeUrl", rejection.typeUrl())
        .put("version", rejection.version());
    if (inheritable(rejection.names())) {
      ArrayNode names = entry.putArray("names");
      rejection.names().forEach(names::add);
    } else {
      entry.put("omittedNames", rejection.names().size());
    }
    entry.put("at", rejection.at());
    try {
      return Mappers.json().writeValueAsBytes(entry);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree of strings did not serialize", e);
    }
  }

  private static boolean inheritable(List<String> names) {
    if (names.size() > MAX_NAMES) {
      return false;
    }
    long bytes = 0;
    for (String name : names) {
      bytes += name.getBytes(StandardCharsets.UTF_8).length;
    }
    return bytes <= MAX_NAME_BYTES;
  }

  private static boolean text(JsonNode entry, String... fields) {
    for (String field : fields) {
      if (!entry.path(field).isTextual()) {
        return false;
      }
    }
    return true;
  }
}
