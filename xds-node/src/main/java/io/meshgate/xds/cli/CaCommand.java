package io.meshgate.xds.cli;

import io.meshgate.xds.security.ProxyCa;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshgate ca init --out DIR}: the control plane's CA for proxy certificates. */
@Command(
    name = "ca",
    mixinStandardHelpOptions = true,
    description = "Manages the control plane's CA for proxy and xDS server certificates.",
    subcommands = {CaCommand.Init.class})
final class CaCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: init");
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a new CA (EC P-256, valid "
            + ProxyCa.VALIDITY_YEARS
            + " years): DIR/"
            + ProxyCa.CERT_FILE
            + " (the trust anchor, for proxies and xds-node) and DIR/"
            + ProxyCa.KEY_FILE
            + " (private, mode 0600, for 'meshgate cert issue' only). Refuses to overwrite."
      })
  static final class Init implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Directory to write ca.crt and ca.key to.")
    Path out;

    @Override
    public Integer call() throws IOException {
      PrintWriter stdout = spec.commandLine().getOut();
      ProxyCa ca = ProxyCa.init(out);
      stdout.println(
          "wrote "
              + out.resolve(ProxyCa.CERT_FILE)
              + " and "
              + out.resolve(ProxyCa.KEY_FILE)
              + " (private, mode 0600): "
              + ca.certificate().getSubjectX500Principal().getName()
              + ", valid until "
              + ca.certificate().getNotAfter().toInstant());
      stdout.println(
          "keep "
              + ProxyCa.KEY_FILE
              + " where certificates are issued; proxies and xds-node need "
              + ProxyCa.CERT_FILE
              + " only");
      stdout.flush();
      return Meshgate.EXIT_OK;
    }
  }
}
