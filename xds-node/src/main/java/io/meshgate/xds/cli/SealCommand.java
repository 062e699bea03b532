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
          + " (env MESHGATE_SEAL_PUB) or, without it, from etcd."
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
  Path publicKeyFile;

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
    Sealer sealer = new Sealer(publicKey());
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
    return Meshgate.EXIT_OK;
  }

  private PublicKey publicKey() throws Exception {
    if (publicKeyFile != null) {
      return SealKeys.readPublic(publicKeyFile);
    }
    try (Client client = etcdAccess.connection(etcd).connectFailingFast()) {
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
