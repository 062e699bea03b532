package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code meshgate} command: entry point of the runnable jar. */
@Command(
    name = "meshgate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "An Envoy control plane for gateways and sidecars outside Kubernetes.",
    subcommands = {
      StandaloneCommand.class,
      NodeCommand.class,
      BootstrapCommand.class,
      RegisterCommand.class,
      IdentityCommand.class,
      ValidateCommand.class,
      TranslateCommand.class,
      ApplyCommand.class,
      DeleteCommand.class,
      GetCommand.class,
      StatusCommand.class,
      ProxyStatusCommand.class,
      ProxyConfigCommand.class,
      CheckCommand.class,
      HistoryCommand.class,
      DiffCommand.class,
      RollbackCommand.class,
      SealKeyCommand.class,
      SealCommand.class,
      CaCommand.class,
      CertCommand.class,
      TokenCommand.class,
      MeshCaCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Meshgate implements Runnable {
  /** Exit codes shared by every command. */
  public static final int EXIT_OK = 0;

  public static final int EXIT_RUNTIME_ERROR = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_INVALID = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = {"-v", "--verbose"},
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Show what the Kafka, etcd and gRPC client libraries log (commands run once hide it).")
  boolean verbose;

  @CommandLine.Option(
      names = "--log-format",
      descriptionKey = "log-format",
      scope = CommandLine.ScopeType.INHERIT,
      defaultValue = "text",
      paramLabel = "text|json",
      description =
          "How log lines are written: text, or json (one JSON object per line) (env"
              + " MESHGATE_LOG_FORMAT; default ${DEFAULT-VALUE}).")
  String logFormat;

  public static void main(String[] args) {
    // UTF-8 whatever the locale, as Java 18 and later write by default: under a C or POSIX locale
    // (systemd units, containers, ssh without LANG) Java 17 would print check's ✓ and ✗, and any
    // name outside ASCII, as '?'.
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true, UTF_8));
    System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, UTF_8));
    System.exit(
        commandLine()
            .setOut(new PrintWriter(new OutputStreamWriter(System.out, UTF_8), true))
            .setErr(new PrintWriter(new OutputStreamWriter(System.err, UTF_8), true))
            .execute(args));
  }

  /** The configured command line, for main and for tests. */
  public static CommandLine commandLine() {
    return commandLine(ConfigDefaults.standard());
  }

  /** With another source of defaults (environment and config file), for tests. */
  static CommandLine commandLine(ConfigDefaults defaults) {
    return new CommandLine(new Meshgate())
        .setDefaultValueProvider(defaults)
        .setExecutionStrategy(
            parseResult -> CliLogging.execute(parseResult, new CommandLine.RunLast()))
        .setExecutionExceptionHandler(
            (exception, commandLine, parseResult) -> {
              commandLine.getErr().println("meshgate: " + reason(exception));
              return EXIT_RUNTIME_ERROR;
            });
  }

  /**
   * The message with the messages of its causes that it does not already say: gRPC's "UNAVAILABLE:
   * ssl exception" alone hides what etcd's TLS handshake answered ("certificate_required").
   */
  static String reason(Throwable exception) {
    StringBuilder reason = new StringBuilder(String.valueOf(exception.getMessage()));
    int depth = 0;
    for (Throwable cause = exception.getCause();
        cause != null && cause != exception && depth < 8;
        cause = cause.getCause(), depth++) {
      String message = cause.getMessage();
      if (message != null && !message.isBlank() && reason.indexOf(message) < 0) {
        reason.append(": ").append(message);
      }
    }
    return reason.toString();
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}
