package io.meshgate.xds.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.EndpointSourceStatus;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.store.StoreReader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshgate get KIND[/NAME]}: stored resources with their status, read from etcd. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description =
        "Shows stored resources: one (KIND/NAME) or all of a kind (KIND), with their status.")
final class GetCommand implements Callable<Integer> {
  /** Output formats. */
  enum Format {
    table,
    yaml,
    json
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "KIND[/NAME]")
  String target;

  @Option(
      names = {"-n", "--namespace"},
      defaultValue = ObjectMeta.DEFAULT_NAMESPACE,
      description = "Namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "Every namespace.")
  boolean allNamespaces;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Format output;

  @Override
  public Integer call() throws Exception {
    KindName kindName = KindName.kindOrNamed(spec.commandLine(), target);
    PrintWriter out = spec.commandLine().getOut();
    try (Client etcd = cluster.etcdClient()) {
      StoreReader reader = new StoreReader(etcd, cluster.timeout());
      List<Resource> resources;
      if (kindName.name() != null) {
        Optional<Resource> one = reader.resource(kindName.key(namespace));
        if (one.isEmpty()) {
          spec.commandLine()
              .getErr()
              .println(kindName.kind() + " " + namespace + "/" + kindName.name() + " not found");
          return Meshgate.EXIT_RUNTIME_ERROR;
        }
        resources = List.of(one.get());
      } else {
        resources = reader.list(kindName.kind(), allNamespaces ? null : namespace);
      }
      List<ObjectNode> trees = new ArrayList<>();
      for (Resource resource : resources) {
        trees.add(withStatus(resource, reader));
      }
      switch (output) {
        case table -> table(out, resources, trees);
        case json -> {
          Object shown = kindName.name() != null ? trees.get(0) : items(trees);
          out.println(Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(shown));
        }
        case yaml ->
            out.print(
                Mappers.yaml()
                    .writeValueAsString(kindName.name() != null ? trees.get(0) : items(trees)));
      }
      out.flush();
      return Meshgate.EXIT_OK;
    }
  }

  /**
   * The resource as stored, with a status of the applier's and the serving leader's conditions, a
   * Backend's outside sources as the leader sees them, and the last event.
   */
  static ObjectNode withStatus(Resource resource, StoreReader reader) {
    ObjectNode tree = (ObjectNode) ResourceCodec.toTree(resource.withStatus(null));
    ApplierStatus applier = reader.status(resource.key()).orElse(ApplierStatus.empty());
    List<Condition> conditions = new ArrayList<>(applier.conditions());
    conditions.addAll(reader.conditions(resource.key()));
    ObjectNode status = tree.putObject("status");
    status.set("conditions", Mappers.json().valueToTree(conditions));
    List<EndpointSourceStatus> endpoints = reader.endpointSources(resource.key());
    if (!endpoints.isEmpty()) {
      status.set("endpoints", Mappers.json().valueToTree(endpoints));
    }
    applier.lastEvent().ifPresent(e -> status.set("lastEvent", Mappers.json().valueToTree(e)));
    return tree;
  }

  private static ObjectNode items(List<ObjectNode> trees) {
    ObjectNode list = Mappers.json().createObjectNode();
    ArrayNode items = list.putArray("items");
    trees.forEach(items::add);
    return list;
  }

  private static void table(PrintWriter out, List<Resource> resources, List<ObjectNode> trees) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAMESPACE", "NAME", "GENERATION", "LAST EVENT", "RESOURCE VERSION"});
    for (int i = 0; i < resources.size(); i++) {
      Resource r = resources.get(i);
      String last = trees.get(i).path("status").path("lastEvent").path("outcome").asText("-");
      rows.add(
          new String[] {
            r.metadata().namespace(),
            r.metadata().name(),
            String.valueOf(r.metadata().generation()),
            last,
            String.valueOf(r.metadata().resourceVersion())
          });
    }
    Table.print(out, rows);
  }
}
