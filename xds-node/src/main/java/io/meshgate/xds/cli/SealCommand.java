package io.meshgate.xds.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.SecretSealing;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshgate seal -f secret.yaml}: prints the Secret with its private values sealed. */
@Command(
    name = "seal",
    mixinStandardHelpOptions = true,
    description = {
      "Seals Kubernetes-style Secrets (data in base64, stringData in plain text) with the cluster's"
          + " public key and prints them, ready for meshgate apply. tls.crt and ca.crt stay"
          + " readable; every other value is sealed. The public key comes from --pub"
          + " (env MESHGATE_SEAL_PUB) or, without it, from etcd.",
      "With --fingerprint (env MESHGATE_SEAL_FINGERPRINT) the key must have that fingerprint, as"
          + " 'meshgate seal-key create' printed it; another key is refused with exit 3, so whoever"
          + " can write etcd cannot make you seal for their key. Without it, the fingerprint used"
          + " is printed on stderr."
    })
final class SealCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-f", "--filename"},
      required = true,
      description = "Secret YAML file, or - for standard input. Repeatable.")
  List<String> files;

  @Option(
      names = "--pub",
      descriptionKey = "seal-pub",
      description = "The cluster's public key (seal.pub).")
  @Nullable Path publicKeyFile;

  @Option(
      names = "--fingerprint",
      descriptionKey = "seal-fingerprint",
      description =
          "The fingerprint the key must have, sha256:<64 hex> (env MESHGATE_SEAL_FINGERPRINT).")
  @Nullable String fingerprint;

  @Option(
      names = "--etcd",
      descriptionKey = "etcd",
      defaultValue = "http://127.0.0.1:2379",
      description =
          "etcd endpoints, to read the published key when --pub is not given (env MESHGATE_ETCD).")
  String etcd;

  @CommandLine.Mixin EtcdAccessOptions etcdAccess;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<Document> documents = InputFiles.read(files, false, System.in);
    PublicKey publicKey = publicKey();
    String actual = SealKeys.fingerprint(publicKey);
    String source =
        publicKeyFile != null ? publicKeyFile.toString() : "etcd " + Keyspace.SEAL_PUBLIC;
    if (fingerprint != null && !fingerprint.isBlank()) {
      String expected;
      try {
        expected = SealKeys.parseFingerprint(fingerprint);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--" + e.getMessage());
      }
      if (!expected.equals(actual)) {
        spec.commandLine()
            .getErr()
            .println(
                "meshgate: the key from "
                    + source
                    + " has fingerprint "
                    + actual
                    + " (expected: "
                    + expected
                    + ", MESHGATE_SEAL_FINGERPRINT or --fingerprint); nothing was sealed. If the"
                    + " key was rotated, pin the new fingerprint; otherwise someone replaced it");
        return Meshgate.EXIT_INVALID;
      }
    }
    Sealer sealer = new Sealer(publicKey);
    for (Document document : documents) {
      if (document.tree() == null) {
        spec.commandLine().getErr().println(document.location() + ": " + document.parseError());
        return Meshgate.EXIT_INVALID;
      }
      ObjectNode sealed;
      try {
        sealed = SecretSealing.seal(document.tree(), sealer);
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println(document.location() + ": " + e.getMessage());
        return Meshgate.EXIT_INVALID;
      }
      Validation validation = ResourceValidator.get().validate(sealed);
      if (validation instanceof Validation.Invalid invalid) {
        spec.commandLine()
            .getErr()
            .println(document.location() + ": the sealed Secret is not valid:");
        invalid.violations().forEach(v -> spec.commandLine().getErr().println("  " + v));
        return Meshgate.EXIT_INVALID;
      }
      out.print("---\n" + Mappers.yaml().writeValueAsString(sealed));
    }
    out.flush();
    // After the output, so that a refused document stays the first line of stderr.
    if (fingerprint == null || fingerprint.isBlank()) {
      spec.commandLine()
          .getErr()
          .println(
              "meshgate: sealed for key "
                  + actual
                  + " from "
                  + source
                  + ", not pinned: check it with whoever made the key, then pin it with"
                  + " MESHGATE_SEAL_FINGERPRINT="
                  + actual
                  + " (or --fingerprint)");
    }
    return Meshgate.EXIT_OK;
  }

  private PublicKey publicKey() throws Exception {
    if (publicKeyFile != null) {
      return SealKeys.readPublic(publicKeyFile);
    }
    try (Client client = etcdAccess.client(etcd)) {
      GetResponse response =
          client
              .getKVClient()
              .get(ByteSequence.from(Keyspace.SEAL_PUBLIC, StandardCharsets.UTF_8))
              .get(30, TimeUnit.SECONDS);
      if (response.getKvs().isEmpty()) {
        throw new IllegalStateException(
            "no sealing key: pass --pub seal.pub (or set MESHGATE_SEAL_PUB), or publish one with"
                + " 'meshgate seal-key create --out DIR --publish'");
      }
      return SealKeys.parsePublicPem(
          response.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
    }
  }
}
