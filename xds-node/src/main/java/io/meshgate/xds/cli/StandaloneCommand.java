package io.meshgate.xds.cli;

import io.meshgate.xds.standalone.Standalone;
import io.meshgate.xds.standalone.StandaloneSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshgate standalone}: a local meshgate on embedded defaults, until interrupted. */
@Command(
    name = "standalone",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a local meshgate: an embedded Kafka broker (KRaft), an etcd process and an applier,"
          + " on the addresses every other command assumes. Stops on Ctrl-C; data stays in"
          + " --data-dir."
    })
final class StandaloneCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--data-dir",
      defaultValue = "${env:MESHGATE_DATA_DIR:-${sys:user.home}/.meshgate/standalone}",
      description = "Where Kafka and etcd keep their data (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Kafka listener port (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--kafka-controller-port",
      defaultValue = "9093",
      description = "KRaft controller port (default: ${DEFAULT-VALUE}).")
  int kafkaControllerPort;

  @Option(
      names = "--etcd-port",
      defaultValue = "2379",
      description = "etcd client port (default: ${DEFAULT-VALUE}).")
  int etcdPort;

  @Option(
      names = "--etcd-peer-port",
      defaultValue = "2380",
      description = "etcd peer port (default: ${DEFAULT-VALUE}).")
  int etcdPeerPort;

  @Option(
      names = "--xds-port",
      defaultValue = "18000",
      description = "ADS port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int xdsPort;

  @Option(
      names = "--admin-port",
      defaultValue = "19000",
      description = "Admin HTTP port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--no-examples", description = "Do not apply deploy/examples on first start.")
  boolean noExamples;

  @Option(
      names = "--etcd-tls",
      description =
          "Serve its own etcd over TLS with client certificates, from a CA of its own in the data"
              + " directory, and print the MESHGATE_ETCD_CA, _CERT and _KEY the CLI then needs.")
  boolean etcdTls;

  private final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    StandaloneSettings settings =
        new StandaloneSettings(
            dataDir,
            kafkaPort,
            kafkaControllerPort,
            etcdPort,
            etcdPeerPort,
            xdsPort,
            adminPort,
            !noExamples,
            etcdTls
                ? StandaloneSettings.EtcdAccess.MUTUAL_TLS
                : StandaloneSettings.EtcdAccess.PLAINTEXT);
    Standalone standalone = Standalone.start(settings);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  standalone.close();
                  stopped.countDown();
                },
                "standalone-shutdown"));
    out.println("meshgate standalone is running (data in " + dataDir + ")");
    out.println("  Kafka: " + standalone.kafkaBootstrapServers() + "   (MESHGATE_KAFKA)");
    out.println("  etcd:  " + standalone.etcdEndpoints() + "   (MESHGATE_ETCD)");
    standalone
        .etcdConnection()
        .ca()
        .ifPresent(ca -> out.println("         CA " + ca + "   (MESHGATE_ETCD_CA)"));
    standalone
        .etcdConnection()
        .certificate()
        .ifPresent(
            certificate ->
                out.println(
                    "         client certificate "
                        + certificate
                        + "   (MESHGATE_ETCD_CERT; its key: MESHGATE_ETCD_KEY="
                        + standalone.etcdConnection().privateKey().orElseThrow()
                        + ")"));
    out.println(
        "  xDS:   "
            + standalone.xdsAddress().getHostString()
            + ":"
            + standalone.xdsAddress().getPort()
            + "   (ADS, state of the world and delta; plaintext on loopback)");
    out.println(
        "  admin: http://127.0.0.1:"
            + standalone.adminAddress().getPort()
            + "/readyz, /debug/snapshots, /debug/streams, /debug/proxies");
    standalone
        .adminGrpcAddress()
        .ifPresent(
            csds ->
                out.println(
                    "  CSDS:  127.0.0.1:"
                        + csds.getPort()
                        + "   (Envoy's Client Status Discovery Service, gRPC; meshgate"
                        + " proxy-status)"));
    out.println(
        "  sealing key: "
            + standalone.sealKey()
            + "   (MESHGATE_SEAL_KEY; the public key is published)");
    out.println(
        "deploy/examples is applied on first start; see it with: bin/meshgate get backend -A");
    out.println(
        "A proxyless gRPC client: bin/meshgate bootstrap --proxyless --node-id demo > bootstrap.json,"
            + " then GRPC_XDS_BOOTSTRAP=bootstrap.json and dial xds:///echo.default");
    out.println(
        "An Envoy for Gateway edge: bin/meshgate bootstrap --gateway edge --node-id edge-1 > envoy.yaml,"
            + " then envoy -c envoy.yaml");
    out.println("Press Ctrl-C to stop.");
    out.flush();
    stopped.await();
    return Meshgate.EXIT_OK;
  }
}
