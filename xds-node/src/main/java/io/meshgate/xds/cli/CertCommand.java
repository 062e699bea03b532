package io.meshgate.xds.cli;

import io.meshgate.xds.security.IssuedCertificate;
import io.meshgate.xds.security.ProxyCa;
import io.meshgate.xds.security.Spiffe;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshgate cert issue}: a proxy's client certificate ({@code --group}) or the xDS server's
 * certificate ({@code --server}), signed by the CA of {@code meshgate ca init}.
 */
@Command(
    name = "cert",
    mixinStandardHelpOptions = true,
    description = "Issues certificates from the control plane's CA.",
    subcommands = {CertCommand.Issue.class})
final class CertCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: issue");
  }

  @Command(
      name = "issue",
      mixinStandardHelpOptions = true,
      description = {
        "Issues a client certificate for a proxy group (--group; its identity is the URI"
            + " spiffe://meshgate/group/GROUP) or a server certificate for xds-node (--server with"
            + " --dns and/or --ip). Writes DIR/tls.crt (certificate, then the CA), DIR/tls.key"
            + " (private, mode 0600) and DIR/ca.crt. Refuses to overwrite."
      })
  static final class Issue implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--ca",
        required = true,
        paramLabel = "DIR",
        description = "Directory of the CA: ca.crt and ca.key from 'meshgate ca init'.")
    Path ca;

    @Option(
        names = "--group",
        paramLabel = "GROUP",
        description =
            "Proxy group of a client certificate, e.g. gateway/default/edge or proxyless.")
    @Nullable String group;

    @Option(names = "--server", description = "Issue the xDS server's certificate instead.")
    boolean server;

    @Option(
        names = "--dns",
        split = ",",
        paramLabel = "NAME",
        description = "With --server: DNS names the server is reached by, comma-separated.")
    List<String> dnsNames = List.of();

    @Option(
        names = "--ip",
        split = ",",
        paramLabel = "IP",
        description = "With --server: IP addresses the server is reached at, comma-separated.")
    List<String> ipAddresses = List.of();

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Directory to write tls.crt, tls.key and ca.crt to.")
    Path out;

    @Option(
        names = "--ttl",
        converter = DurationConverter.class,
        defaultValue = "720h",
        description =
            "How long the certificate is valid, e.g. 720h, 30m (default ${DEFAULT-VALUE}).")
    Duration ttl;

    @Override
    public Integer call() throws IOException {
      checkUsage();
      ProxyCa proxyCa = ProxyCa.load(ca);
      IssuedCertificate issued =
          server
              ? proxyCa.issueServer(dnsNames, ipAddresses, ttl)
              : proxyCa.issueClient(group, ttl);
      issued.writeTo(out);
      PrintWriter stdout = spec.commandLine().getOut();
      stdout.println(
          "wrote "
              + out.resolve(IssuedCertificate.CHAIN_FILE)
              + ", "
              + out.resolve(IssuedCertificate.KEY_FILE)
              + " (private, mode 0600) and "
              + out.resolve(IssuedCertificate.CA_FILE));
      stdout.println(
          (server
                  ? "server certificate for " + String.join(", ", names())
                  : "client certificate for " + Spiffe.forGroup(group))
              + ", serial "
              + issued.leaf().getSerialNumber().toString(16)
              + ", valid until "
              + issued.leaf().getNotAfter().toInstant());
      stdout.flush();
      return Meshgate.EXIT_OK;
    }

    private void checkUsage() {
      CommandLine commandLine = spec.commandLine();
      if (server == (group != null)) {
        throw new CommandLine.ParameterException(
            commandLine, "exactly one of --group GROUP or --server is required");
      }
      if (server && dnsNames.isEmpty() && ipAddresses.isEmpty()) {
        throw new CommandLine.ParameterException(
            commandLine, "--server needs at least one --dns NAME or --ip IP");
      }
      if (!server && !names().isEmpty()) {
        throw new CommandLine.ParameterException(
            commandLine, "--dns and --ip go with --server only");
      }
      if (!server) {
        try {
          Spiffe.forGroup(group);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(commandLine, "--group: " + e.getMessage());
        }
      }
    }

    private List<String> names() {
      return Stream.concat(dnsNames.stream(), ipAddresses.stream()).toList();
    }
  }
}
