package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.apply.Applier;
import io.meshgate.config.apply.ApplierSettings;
import io.meshgate.config.apply.Planner;
import java.net.InetAddress;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meshgate node}: one xds-node replica. Today it runs the applier (Kafka → etcd); serving
 * xDS joins it with the serving issue.
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Runs an xds-node replica: applies config events from Kafka to etcd (consumer group"
          + " meshgate-appliers; creates the topics if missing). Stops on SIGTERM or Ctrl-C."
    })
final class NodeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--replica-id",
      descriptionKey = "replica-id",
      description =
          "This replica's name in the cluster (env MESHGATE_REPLICA_ID; default: hostname:18000).")
  String replicaId;

  private final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    String id = replicaId != null ? replicaId : InetAddress.getLocalHost().getHostName() + ":18000";
    log.info(
        "meshgate node {} starting: kafka={} etcd={} replica-id={}",
        VersionProvider.version(),
        cluster.kafka,
        cluster.etcd,
        id);
    Client etcd = cluster.etcdClient();
    Applier applier =
        new Applier(
            ApplierSettings.defaults(cluster.kafka, id),
            etcd,
            new Planner(Clock.systemUTC(), () -> UUID.randomUUID().toString()),
            Applier.Hooks.NONE);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("meshgate node {} stopping", id);
                  applier.close();
                  etcd.close();
                  stopped.countDown();
                },
                "node-shutdown"));
    applier.start();
    spec.commandLine()
        .getOut()
        .println(
            "meshgate node "
                + id
                + " is applying events from "
                + cluster.kafka
                + " to "
                + cluster.etcd);
    spec.commandLine().getOut().flush();
    stopped.await();
    return Meshgate.EXIT_OK;
  }
}
