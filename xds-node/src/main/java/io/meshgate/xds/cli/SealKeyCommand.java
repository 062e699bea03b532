package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.store.Keyspace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshgate seal-key create --out DIR [--publish] [--rotate]}: the cluster's sealing key
 * pair.
 */
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
            + " (private, mode 0600, for the xds-node replicas: MESHGATE_SEAL_KEY), and prints its"
            + " fingerprint (sha256:<64 hex> of the public key; pin it with"
            + " MESHGATE_SEAL_FINGERPRINT). Refuses to overwrite.",
        "With --publish, stores the public key in etcd for every CLI to find; a different key"
            + " already published is kept (exit 2) unless --rotate is given. If DIR already holds"
            + " a pair, --publish without --rotate publishes that pair again.",
        "With --rotate, the pair in DIR is moved to DIR/retired/seal-<key id>.key (and .pub):"
            + " replicas load it beside seal.key, so Secrets sealed before still open."
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
        names = "--rotate",
        description =
            "Replace the key: retire the pair in --out to retired/ and replace the published key.")
    boolean rotate;

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
      if (!publish) {
        SealKeyPair pair = create(stdout);
        return done(stdout, pair);
      }
      try (Client client = etcdAccess.client(etcd)) {
        KV kv = client.getKVClient();
        ByteSequence key = ByteSequence.from(Keyspace.SEAL_PUBLIC, UTF_8);
        List<KeyValue> published = kv.get(key).get(30, TimeUnit.SECONDS).getKvs();
        boolean existing = Files.exists(out.resolve(SealKeyPair.PRIVATE_FILE));
        // Without --rotate a pair already in --out is published again rather than replaced.
        SealKeyPair pair = existing && !rotate ? read() : null;
        if (!rotate && !published.isEmpty()) {
          String publishedFingerprint =
              SealKeys.fingerprint(
                  SealKeys.parsePublicPem(published.get(0).getValue().toString(UTF_8)));
          if (pair == null
              || !publishedFingerprint.equals(SealKeys.fingerprint(pair.publicKey()))) {
            spec.commandLine()
                .getErr()
                .println(
                    "meshgate: etcd already publishes sealing key "
                        + publishedFingerprint
                        + " at "
                        + Keyspace.SEAL_PUBLIC
                        + "; replacing it would make every CLI seal for another key: pass --rotate"
                        + " to replace it (keep its private key for the replicas)");
            return Meshgate.EXIT_USAGE;
          }
        }
        if (pair == null) {
          pair = create(stdout);
        } else {
          stdout.println("publishing the existing key in " + out);
        }
        ByteSequence value = ByteSequence.from(SealKeys.publicPem(pair.publicKey()), UTF_8);
        // Compare-and-put on what was read, so a key published meanwhile is not replaced unseen;
        // --rotate replaces whatever is there.
        Txn txn = kv.txn();
        if (!rotate) {
          long readRevision = published.isEmpty() ? 0 : published.get(0).getModRevision();
          txn = txn.If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(readRevision)));
        }
        TxnResponse put =
            txn.Then(Op.put(key, value, PutOption.DEFAULT)).commit().get(30, TimeUnit.SECONDS);
        if (!put.isSucceeded()) {
          spec.commandLine()
              .getErr()
              .println(
                  "meshgate: the key published at "
                      + Keyspace.SEAL_PUBLIC
                      + " changed while this ran; nothing was published, run again");
          return Meshgate.EXIT_RUNTIME_ERROR;
        }
        stdout.println("published the public key to etcd at " + Keyspace.SEAL_PUBLIC);
        return done(stdout, pair);
      }
    }

    /** Retires the pair in --out first when rotating, then writes a new one. */
    private SealKeyPair create(PrintWriter stdout) throws IOException {
      SealKeyPair pair = SealKeyPair.generate();
      if (rotate && Files.exists(out.resolve(SealKeyPair.PRIVATE_FILE))) {
        Path retired = SealKeyPair.retire(out);
        stdout.println(
            "retired the previous key to "
                + retired
                + ": keep it beside seal.key on the replicas so Secrets sealed for it still open");
      }
      pair.writeTo(out);
      stdout.println(
          "wrote "
              + out.resolve(SealKeyPair.PUBLIC_FILE)
              + " and "
              + out.resolve(SealKeyPair.PRIVATE_FILE));
      return pair;
    }

    private SealKeyPair read() throws IOException {
      return new SealKeyPair(
          SealKeys.readPublic(out.resolve(SealKeyPair.PUBLIC_FILE)),
          SealKeys.readPrivate(out.resolve(SealKeyPair.PRIVATE_FILE)));
    }

    private static int done(PrintWriter stdout, SealKeyPair pair) {
      String fingerprint = SealKeys.fingerprint(pair.publicKey());
      stdout.println(
          "fingerprint " + fingerprint + " (key id " + pair.keyId() + ", its first 16 hex digits)");
      stdout.println("pin it where Secrets are sealed: MESHGATE_SEAL_FINGERPRINT=" + fingerprint);
      stdout.println(
          "give "
              + SealKeyPair.PRIVATE_FILE
              + " to the xds-node replicas only (MESHGATE_SEAL_KEY)");
      stdout.flush();
      return Meshgate.EXIT_OK;
    }
  }
}
