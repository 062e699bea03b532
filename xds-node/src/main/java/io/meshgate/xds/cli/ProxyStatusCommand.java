package io.meshgate.xds.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.serve.ProxyStatus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meshgate proxy-status}: one row per connected proxy across all replicas. The replicas come
 * from their member keys in etcd; each one's admin HTTP ({@code /debug/proxies}) says what its
 * streams hold. A replica whose admin does not answer is named on stderr, its proxies are shown
 * from its ACK summary in etcd (marked {@code *}: a state per proxy, not per type), and the command
 * exits 1.
 */
@Command(
    name = "proxy-status",
    mixinStandardHelpOptions = true,
    description =
        "Shows every connected proxy across the replicas: per type SYNCED, STALE, NACKED or NOT"
            + " SENT, the revision it holds and the time since its last ACK.")
final class ProxyStatusCommand implements Callable<Integer> {
  /** The type columns, in the order Envoy users read them. */
  static final List<String> TYPES = List.of("LDS", "RDS", "CDS", "EDS", "SDS");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--admin-token-file",
      descriptionKey = "admin-token-file",
      description =
          "A file whose one line is the replicas' admin token (env MESHGATE_ADMIN_TOKEN_FILE).")
  @Nullable Path adminTokenFile;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      paramLabel = "table|yaml|json",
      description = "Output format: table, yaml or json (default: ${DEFAULT-VALUE}).")
  String format;

  /**
   * One proxy.
   *
   * @param states per type column (LDS..SDS): a SyncState label, {@code -} when not asked for
   * @param version the lowest etcd revision the proxy ACKed over its types ({@code -}: none)
   * @param lastAck the time since its last ACK ({@code -}: none yet)
   * @param fromSummary read from the replica's ACK summary, its admin not answering
   */
  record Row(
      String node,
      String group,
      String replica,
      Map<String, String> states,
      String version,
      String lastAck,
      boolean fromSummary) {
    String[] cells() {
      List<String> cells =
          new ArrayList<>(List.of(node, group, replica + (fromSummary ? "*" : "")));
      TYPES.forEach(t -> cells.add(states.getOrDefault(t, "-")));
      cells.add(version);
      cells.add(lastAck);
      return cells.toArray(String[]::new);
    }
  }

  @Override
  public Integer call() throws JsonProcessingException {
    if (!List.of("table", "yaml", "json").contains(format)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "-o: " + format + " (expected: table, yaml or json)");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Row> rows = new ArrayList<>();
    ArrayNode unreachable = Mappers.json().createArrayNode();
    try (Client etcd = cluster.etcdClient()) {
      ReplicaAdmins admins = ReplicaAdmins.of(etcd, cluster.timeout(), adminTokenFile);
      Map<String, List<JsonNode>> summaries = admins.summaries();
      for (ReplicaAdmins.Member member : admins.members()) {
        try {
          rows.addAll(rows(admins.get(member, "/debug/proxies").body()));
        } catch (Reachability.Unreachable e) {
          err.println("meshgate: " + e.getMessage() + "; its proxies from its ACK summary (*)");
          unreachable
              .addObject()
              .put("replica", member.replica())
              .put("address", member.admin().orElse(""))
              .put("error", e.getMessage());
          summaries
              .getOrDefault(member.replica(), List.of())
              .forEach(s -> rows.addAll(summaryRows(s)));
        }
      }
    }
    rows.sort(
        Comparator.comparing(Row::node).thenComparing(Row::group).thenComparing(Row::replica));
    if (format.equals("table")) {
      if (rows.isEmpty()) {
        out.println("No proxy is connected.");
      } else {
        List<String[]> table = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("NODE", "GROUP", "REPLICA"));
        header.addAll(TYPES);
        header.add("VERSION");
        header.add("LAST ACK");
        table.add(header.toArray(String[]::new));
        rows.forEach(r -> table.add(r.cells()));
        Table.print(out, table);
      }
    } else {
      ObjectNode root = Mappers.json().createObjectNode();
      root.set("proxies", Mappers.json().valueToTree(rows));
      root.set("unreachable", unreachable);
      out.print(
          format.equals("json")
              ? Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n"
              : Mappers.yaml().writeValueAsString(root));
    }
    out.flush();
    err.flush();
    return unreachable.isEmpty() ? Meshgate.EXIT_OK : Meshgate.EXIT_RUNTIME_ERROR;
  }

  /** The rows of one replica's {@code /debug/proxies}. */
  static List<Row> rows(JsonNode proxies) {
    String replica = proxies.path("replica").asText();
    List<Row> rows = new ArrayList<>();
    for (JsonNode proxy : proxies.path("proxies")) {
      Map<String, String> states = new LinkedHashMap<>();
      long lowestRevision = Long.MAX_VALUE;
      Long lastAck = null;
      for (JsonNode type : proxy.path("types")) {
        states.put(type.path("type").asText(), type.path("state").asText());
        if (type.hasNonNull("ackedRevision") && type.path("ackedRevision").asLong() >= 0) {
          lowestRevision = Math.min(lowestRevision, type.path("ackedRevision").asLong());
        }
        if (type.hasNonNull("sinceAck")) {
          long since = type.path("sinceAck").asLong();
          lastAck = lastAck == null ? since : Math.min(lastAck, since);
        }
      }
      rows.add(
          new Row(
              proxy.path("node").asText(),
              proxy.path("group").asText(),
              replica,
              states,
              lowestRevision == Long.MAX_VALUE ? "-" : Long.toString(lowestRevision),
              lastAck == null ? "-" : ago(lastAck),
              false));
    }
    return rows;
  }

  /**
   * The rows an ACK summary gives: one per sample node of each entry, and {@code +N more} for the
   * rest. A summary holds one state per proxy: Synced shows SYNCED in every column, Pending STALE,
   * Rejected NACKED in the rejected type's column and {@code ?} in the others.
   */
  static List<Row> summaryRows(JsonNode summary) {
    String replica = summary.path("replica").asText();
    String group = summary.path("group").asText();
    List<Row> rows = new ArrayList<>();
    for (JsonNode entry : summary.path("proxies")) {
      String state = entry.path("state").asText();
      Map<String, String> states = new LinkedHashMap<>();
      for (String type : TYPES) {
        states.put(
            type,
            switch (state) {
              case "Synced" -> "SYNCED";
              case "Rejected" -> "?";
              default -> "STALE";
            });
      }
      if (state.equals("Rejected") && entry.hasNonNull("typeUrl")) {
        states.put(ProxyStatus.shortName(entry.path("typeUrl").asText()), "NACKED");
      }
      long revision = entry.path("ackedRevision").asLong(-1);
      String version = revision < 0 ? "-" : Long.toString(revision);
      List<String> nodes = new ArrayList<>();
      entry.path("nodes").forEach(n -> nodes.add(n.asText()));
      if (nodes.isEmpty() && entry.hasNonNull("node")) {
        nodes.add(entry.path("node").asText()); // a replica of an earlier release
      }
      nodes.forEach(n -> rows.add(new Row(n, group, replica, states, version, "?", true)));
      int more = entry.path("count").asInt(nodes.size()) - nodes.size();
      if (more > 0) {
        rows.add(new Row("+" + more + " more", group, replica, states, version, "?", true));
      }
    }
    return rows;
  }

  /** {@code 42s}, {@code 3m5s}, {@code 2h4m}. */
  static String ago(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3_600) {
      return seconds / 60 + "m" + seconds % 60 + "s";
    }
    return seconds / 3_600 + "h" + seconds % 3_600 / 60 + "m";
  }
}
