package io.meshgate.xds.cli;

import io.meshgate.xds.agent.IdentityAgent;
import io.meshgate.xds.agent.IdentityFiles;
import io.meshgate.xds.agent.RegistrationAgent;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshgate identity --out DIR}: the agent beside a proxyless gRPC service. It keeps the
 * service's mesh identity in DIR for gRPC's {@code file_watcher} certificate provider until it is
 * stopped, or writes it once with {@code --once}.
 */
@Command(
    name = "identity",
    mixinStandardHelpOptions = true,
    description = {
      "Keeps a proxyless gRPC service's mesh identity (an X.509 SVID for"
          + " spiffe://<trust-domain>/ns/<namespace>/sa/<service account>) as files in --out:"
          + " cert.pem (the chain), key.pem (0600) and ca.pem (the trust bundle), which gRPC's"
          + " file_watcher certificate provider reads (meshgate bootstrap --proxyless"
          + " --identity-dir). The private key is made here and never leaves this host; the"
          + " certificate is renewed before it expires and the bundle follows root rotations. The"
          + " credential (client certificate or proxy token) must be for the group"
          + " proxyless/<namespace>/<service account>: it alone names the identity. Runs until"
          + " stopped (SIGTERM), or exits after the first write with --once. Exit 3 if a node"
          + " refuses the credential or the request."
    })
final class IdentityCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to write cert.pem, key.pem and ca.pem to (created if missing).")
  Path out;

  @Option(
      names = "--xds",
      descriptionKey = "xds-addr",
      defaultValue = "127.0.0.1:18000",
      split = ",",
      description = "xds-nodes' addresses, host:port, comma-separated (default: ${DEFAULT-VALUE}).")
  List<String> xds;

  @Option(
      names = "--node-id",
      description =
          "The node id sent with the request, checked against a proxy token's node-id prefix"
              + " (default: this host's name).")
  @Nullable String nodeId;

  @Option(
      names = "--tls-ca",
      description = "CA certificate (PEM) that signed the nodes' xDS server certificate: use TLS.")
  @Nullable Path tlsCa;

  @Option(
      names = "--cert-dir",
      description =
          "Directory with a client certificate for proxyless/<namespace>/<service account>"
              + " (tls.crt, tls.key).")
  @Nullable Path certDir;

  @Option(
      names = "--token-file",
      description =
          "File holding a proxy token for proxyless/<namespace>/<service account>; read again at"
              + " each connection.")
  @Nullable Path tokenFile;

  @Option(names = "--once", description = "Write the files once, then exit.")
  boolean once;

  @Override
  public Integer call() throws Exception {
    if ((certDir != null || tokenFile != null) && tlsCa == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--cert-dir and --token-file need --tls-ca: credentials are only sent over TLS");
    }
    IdentityAgent agent =
        IdentityAgent.start(
            new RegistrationAgent.Connection(
                xds.stream().map(String::trim).toList(),
                Optional.ofNullable(tlsCa),
                Optional.ofNullable(certDir),
                Optional.ofNullable(tokenFile)),
            new IdentityFiles(out),
            nodeId == null ? hostName() : nodeId,
            Clock.systemUTC(),
            once ? IdentityAgent.Mode.ONCE : IdentityAgent.Mode.KEEP);
    Thread stop = new Thread(agent::close, "meshgate-identity-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    try {
      agent.stopped().get();
      agent
          .latest()
          .ifPresent(
              f ->
                  spec.commandLine()
                      .getOut()
                      .println(
                          f.spiffeId() + " written to " + out + " (until " + f.notAfter() + ")"));
      return Meshgate.EXIT_OK;
    } catch (ExecutionException e) {
      spec.commandLine().getErr().println("no identity: " + e.getCause().getMessage());
      return e.getCause() instanceof RegistrationAgent.Refused
          ? Meshgate.EXIT_INVALID
          : Meshgate.EXIT_RUNTIME_ERROR;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stop);
      } catch (IllegalStateException e) {
        // The JVM is stopping: the hook is running.
      }
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "proxyless";
    }
  }
}
