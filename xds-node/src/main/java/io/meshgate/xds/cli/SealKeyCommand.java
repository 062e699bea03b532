package io.meshgate.xds.cli;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.store.Keyspace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshgate seal-key create --out DIR [--publish]}: the cluster's sealing key pair. */
@Command(
    name = "seal-key",
    mixinStandardHelpOptions = true,
    description = "Manages the cluster's sealing key pair.",
    subcommands = {SealKeyCommand.Create.class})
final class SealKeyCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: create");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Writes a new RSA-4096 sealing key pair: DIR/seal.pub (public, for the CLI) and DIR/seal.key"
            + " (private, mode 0600, for the xds-node replicas: MESHGATE_SEAL_KEY). Refuses to"
            + " overwrite. With --publish, stores the public key in etcd for every CLI to find."
      })
  static final class Create implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--out",
        required = true,
        description = "Directory to write seal.pub and seal.key to.")
    Path out;

    @Option(
        names = "--publish",
        description = "Also store the public key in etcd (" + Keyspace.SEAL_PUBLIC + ").")
    boolean publish;

    @Option(
        names = "--etcd",
        descriptionKey = "etcd",
        defaultValue = "http://127.0.0.1:2379",
        description =
            "etcd endpoints, comma-separated (env MESHGATE_ETCD; default ${DEFAULT-VALUE}).")
    String etcd;

    @CommandLine.Mixin EtcdAccessOptions etcdAccess;

    @Override
    public Integer call() throws IOException, Exception {
      PrintWriter stdout = spec.commandLine().getOut();
      SealKeyPair pair = SealKeyPair.generate();
      pair.writeTo(out);
      stdout.println(
          "wrote "
              + out.resolve(SealKeyPair.PUBLIC_FILE)
              + " and "
              + out.resolve(SealKeyPair.PRIVATE_FILE)
              + " (key id "
              + pair.keyId()
              + ")");
      if (publish) {
        try (Client client = etcdAccess.connection(etcd).connectFailingFast()) {
          client
              .getKVClient()
              .put(
                  ByteSequence.from(Keyspace.SEAL_PUBLIC, StandardCharsets.UTF_8),
                  ByteSequence.from(SealKeys.publicPem(pair.publicKey()), StandardCharsets.UTF_8))
              .get(30, TimeUnit.SECONDS);
        }
        stdout.println("published the public key to etcd at " + Keyspace.SEAL_PUBLIC);
      }
      stdout.println(
          "give "
              + SealKeyPair.PRIVATE_FILE
              + " to the xds-node replicas only (MESHGATE_SEAL_KEY)");
      stdout.flush();
      return Meshgate.EXIT_OK;
    }
  }
}
