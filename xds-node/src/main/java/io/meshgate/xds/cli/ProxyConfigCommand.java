package io.meshgate.xds.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.serve.ProxyConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshgate proxy-config NODE [listeners|routes|clusters|endpoints|secrets|all]}: what
 * meshgate sent that proxy, from the admin HTTP ({@code /debug/config?node=NODE}) of each replica
 * etcd lists, Secrets redacted, each resource with the config resources it came from. Every stream
 * of the node is shown (proxyless clients started from one bootstrap share a node id). A node no
 * replica holds: one line, exit 1.
 */
@Command(
    name = "proxy-config",
    mixinStandardHelpOptions = true,
    description =
        "Shows what meshgate sent a proxy (Secrets redacted), each resource with the config"
            + " resources it came from.")
final class ProxyConfigCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "NODE", description = "The proxy's node id.")
  String node;

  @Parameters(
      index = "1",
      defaultValue = "all",
      paramLabel = "PART",
      description = "listeners, routes, clusters, endpoints, secrets or all (default: all).")
  String part;

  @Option(
      names = "--admin-token-file",
      descriptionKey = "admin-token-file",
      description =
          "A file whose one line is the replicas' admin token (env MESHGATE_ADMIN_TOKEN_FILE).")
  @Nullable Path adminTokenFile;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "yaml",
      paramLabel = "yaml|json",
      description = "Output format: yaml or json (default: ${DEFAULT-VALUE}).")
  String format;

  @Override
  public Integer call() throws JsonProcessingException {
    if (!format.equals("yaml") && !format.equals("json")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "-o: " + format + " (expected: yaml or json)");
    }
    if (!part.equals("all") && !ProxyConfig.KEYS.contains(part)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "PART: " + part + " (expected: " + String.join(", ", ProxyConfig.KEYS) + " or all)");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ArrayNode streams = Mappers.json().createArrayNode();
    List<String> asked = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    try (Client etcd = cluster.etcdClient()) {
      ReplicaAdmins admins = ReplicaAdmins.of(etcd, cluster.timeout(), adminTokenFile);
      for (ReplicaAdmins.Member member : admins.members()) {
        asked.add(member.replica());
        try {
          ReplicaAdmins.Answer answer =
              admins.get(member, "/debug/config?node=" + ReplicaAdmins.encoded(node));
          if (answer.status() == 200) {
            for (JsonNode stream : answer.body().path("streams")) {
              ObjectNode shown = Mappers.json().createObjectNode();
              shown.put("replica", answer.body().path("replica").asText(member.replica()));
              shown.setAll(selected((ObjectNode) stream, part));
              streams.add(shown);
            }
          }
        } catch (Reachability.Unreachable e) {
          unreachable.add(e.getMessage());
        }
      }
    }
    unreachable.forEach(u -> err.println("meshgate: " + u));
    if (streams.isEmpty()) {
      err.println(
          "meshgate: node "
              + node
              + " is not connected to any replica"
              + (asked.isEmpty()
                  ? " (etcd lists no replica)"
                  : " (asked " + String.join(", ", asked) + ")")
              + (unreachable.isEmpty() ? "" : ", or to one that did not answer"));
      err.flush();
      return Meshgate.EXIT_RUNTIME_ERROR;
    }
    ObjectNode root = Mappers.json().createObjectNode();
    root.put("node", node);
    root.set("streams", streams);
    out.print(
        format.equals("json")
            ? Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n"
            : Mappers.yaml().writeValueAsString(root));
    out.flush();
    err.flush();
    return Meshgate.EXIT_OK;
  }

  /** The stream's fields, with only the part asked for among the resource parts. */
  static ObjectNode selected(ObjectNode stream, String part) {
    ObjectNode shown = stream.deepCopy();
    if (!part.equals("all")) {
      ProxyConfig.KEYS.stream().filter(k -> !k.equals(part)).forEach(shown::remove);
    }
    return shown;
  }
}
