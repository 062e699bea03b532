package io.meshgate.xds.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.WafModule;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotDump;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meshgate translate -f FILE|DIR|-}: config files through the pipeline's build, offline,
 * like {@code egctl x translate}. Reads and validates the files as {@code validate} does, builds
 * once ({@link OfflineTranslation}) and prints the Envoy resources per group ({@link SnapshotDump})
 * on stdout and every Problem on stderr. Needs no Kafka and no etcd.
 */
@Command(
    name = "translate",
    mixinStandardHelpOptions = true,
    description = {
      "Translates config files to the Envoy resources each proxy group would get, offline (no"
          + " Kafka, no etcd): listeners, routes, clusters and endpoints in full, Secrets as name"
          + " and fingerprint only. Every Problem the server would report is printed on stderr,"
          + " one per line.",
      "Exit 0 when there are no Problems, 4 when there are, 3 when a document is invalid (the"
          + " violations are printed as validate prints them), 1 when the input cannot be read or"
          + " --group names no group, 2 on a usage error."
    })
final class TranslateCommand implements Callable<Integer> {
  /**
   * Translated, and the server would report Problems (apart from usage errors and invalid input).
   */
  static final int EXIT_PROBLEMS = 4;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin InputFileOptions input;

  @Option(
      names = "--group",
      paramLabel = "G",
      description = "Print only this proxy group (Problems are printed for every group).")
  @Nullable String group;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "yaml",
      paramLabel = "yaml|json",
      description = "Output format: yaml or json (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--seal-key",
      descriptionKey = "seal-key",
      description =
          "The cluster's private seal key, to open sealed certificate Secrets as a replica does"
              + " (env MESHGATE_SEAL_KEY). Without it they are left out with the Problem a"
              + " replica without the key reports. Key material is never printed.")
  @Nullable Path sealKey;

  @Option(
      names = "--waf-module-url",
      descriptionKey = "waf-module-url",
      description =
          "The WAF module the replicas are configured with, as on meshgate node (env"
              + " MESHGATE_WAF_MODULE_URL; default: none, and SecurityPolicies with a waf get a"
              + " Problem).")
  @Nullable String wafModuleUrl;

  @Option(
      names = "--waf-module-sha256",
      descriptionKey = "waf-module-sha256",
      description = "The SHA-256 of that module (env MESHGATE_WAF_MODULE_SHA256).")
  @Nullable String wafModuleSha256;

  @Override
  public Integer call() throws IOException {
    if (!format.equals("yaml") && !format.equals("json")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "-o: " + format + " (expected: yaml or json)");
    }
    MeshSettings mesh = MeshSettings.DEFAULTS;
    try {
      mesh = WafModule.of(wafModuleUrl, wafModuleSha256).map(mesh::withWaf).orElse(mesh);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CheckedDocuments checked = input.read();
    if (!checked.allValid()) {
      checked.report(err, false);
      return Meshgate.EXIT_INVALID;
    }
    OfflineTranslation translation;
    // The Problems on stderr are this command's report. The pipeline also logs some of them as
    // WARN lines (a key it cannot open), which would say them twice: only errors are logged here.
    Logger logger = (Logger) LoggerFactory.getLogger("io.meshgate");
    Level level = logger.getLevel();
    logger.setLevel(Level.ERROR);
    try (KeyLoader keys = keyLoader()) {
      translation = OfflineTranslation.of(FileSnapshot.of(checked.resources()), keys, mesh);
    } finally {
      logger.setLevel(level);
    }
    List<GroupSnapshot> shown = translation.snapshots();
    if (group != null) {
      shown = shown.stream().filter(s -> s.group().equals(group)).toList();
      if (shown.isEmpty()) {
        err.println(
            "meshgate: no proxy group "
                + group
                + " in this config (groups: "
                + String.join(
                    ", ", translation.snapshots().stream().map(GroupSnapshot::group).toList())
                + ")");
        return Meshgate.EXIT_RUNTIME_ERROR;
      }
    }
    ObjectNode dump = SnapshotDump.of(shown);
    out.print(
        format.equals("json")
            ? Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(dump) + "\n"
            : Mappers.yaml().writeValueAsString(dump));
    out.flush();
    translation.problems().stream().map(Problem::toString).forEach(err::println);
    err.flush();
    return translation.problems().isEmpty() ? Meshgate.EXIT_OK : EXIT_PROBLEMS;
  }

  private KeyLoader keyLoader() throws IOException {
    return sealKey == null
        ? KeyLoader.none()
        : KeyLoader.of(Unsealer.readKeyFile(sealKey), CertificateDirs.none());
  }
}
