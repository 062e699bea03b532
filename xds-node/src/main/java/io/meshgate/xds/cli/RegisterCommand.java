package io.meshgate.xds.cli;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.xds.agent.RegistrationAgent;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshgate register -f workload.yaml}: the agent a VM runs. It keeps the Workload registered
 * through the xds-nodes until it is stopped (SIGTERM deregisters it at once).
 */
@Command(
    name = "register",
    mixinStandardHelpOptions = true,
    description = {
      "Keeps this VM's Workload registered through the xds-nodes while it runs: runs the Workload's"
          + " health check (spec.health.check: HTTP, TCP or GRPC) and reports it; a node that goes"
          + " away is replaced by the next one. Stopping it (SIGTERM) deregisters the Workload at"
          + " once; if it dies, the Workload leaves within the nodes' registration TTL (15 s by"
          + " default). The credential (client certificate or proxy token) must be for the group"
          + " workload/<namespace>/<name>. Exit 3 if the Workload is invalid or refused."
    })
final class RegisterCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-f", "--filename"},
      required = true,
      description = "The file holding the Workload (one document), or - for standard input.")
  String file;

  @Option(
      names = "--xds",
      descriptionKey = "xds-addr",
      defaultValue = "127.0.0.1:18000",
      split = ",",
      description = "xds-nodes' addresses, host:port, comma-separated (default: ${DEFAULT-VALUE}).")
  List<String> xds;

  @Option(
      names = "--tls-ca",
      description = "CA certificate (PEM) that signed the nodes' xDS server certificate: use TLS.")
  @Nullable Path tlsCa;

  @Option(
      names = "--cert-dir",
      description =
          "Directory with a client certificate for workload/<namespace>/<name> (tls.crt, tls.key).")
  @Nullable Path certDir;

  @Option(
      names = "--token-file",
      description =
          "File holding a proxy token for workload/<namespace>/<name>; read again at each connection.")
  @Nullable Path tokenFile;

  @Override
  public Integer call() throws Exception {
    if ((certDir != null || tokenFile != null) && tlsCa == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--cert-dir and --token-file need --tls-ca: credentials are only sent over TLS");
    }
    CheckedDocuments checked =
        CheckedDocuments.check(InputFiles.read(List.of(file), false, System.in));
    if (!checked.allValid() || checked.documents().size() != 1) {
      checked.report(spec.commandLine().getErr(), false);
      if (checked.allValid()) {
        spec.commandLine().getErr().println("expected exactly one Workload");
      }
      return Meshgate.EXIT_INVALID;
    }
    Resource workload = checked.resources().get(0);
    if (workload.kind() != Kind.WORKLOAD) {
      spec.commandLine()
          .getErr()
          .println(
              workload.key() + ": kind " + workload.kind().wireName() + " (expected: Workload)");
      return Meshgate.EXIT_INVALID;
    }
    RegistrationAgent agent =
        RegistrationAgent.start(
            new RegistrationAgent.Connection(
                xds.stream().map(String::trim).toList(),
                Optional.ofNullable(tlsCa),
                Optional.ofNullable(certDir),
                Optional.ofNullable(tokenFile)),
            workload);
    Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "meshgate-register-stop"));
    try {
      agent.stopped().get();
      return Meshgate.EXIT_OK;
    } catch (ExecutionException e) {
      spec.commandLine().getErr().println(workload.key() + ": " + e.getCause().getMessage());
      return e.getCause() instanceof RegistrationAgent.Refused
          ? Meshgate.EXIT_INVALID
          : Meshgate.EXIT_RUNTIME_ERROR;
    }
  }
}
