package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.meshbridge.meshca.MeshCaRoot;
import io.meshgate.meshbridge.meshca.MeshCaRoots;
import io.meshgate.meshbridge.meshca.MeshCaSettings;
import io.meshgate.meshbridge.meshca.RootSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshgate mesh-ca rotate} and {@code meshgate mesh-ca status}: the roots of meshgate's mesh
 * CA in etcd (docs/security.md, "Mesh CA").
 */
@Command(
    name = "mesh-ca",
    mixinStandardHelpOptions = true,
    description = "Shows and rotates the roots of meshgate's mesh CA.",
    subcommands = {MeshCaCommand.Rotate.class, MeshCaCommand.Status.class})
final class MeshCaCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: rotate, status");
  }

  /** Options both subcommands share. */
  static final class CaOptions {
    @CommandLine.Mixin EtcdOptions etcd;

    @Option(
        names = "--mesh-cert-ttl",
        descriptionKey = "mesh-cert-ttl",
        defaultValue = "24h",
        converter = DurationConverter.class,
        description =
            "The nodes' mesh certificate lifetime: a replaced root stays trusted this long after"
                + " its successor starts signing (env MESHGATE_MESH_CERT_TTL; default"
                + " ${DEFAULT-VALUE}).")
    Duration meshCertTtl;

    Client etcdClient() {
      return etcd.client();
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = {
        "Adds a new mesh CA root. It is in every trust bundle at once and signs new certificates"
            + " after --propagation, once every proxy has had time to receive it. The previous"
            + " root stays trusted until the last certificate it signed has expired. Refused while"
            + " the previous rotation's root does not sign yet."
      })
  static final class Rotate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin CaOptions ca;

    @Option(
        names = "--seal-key",
        descriptionKey = "seal-key",
        description =
            "The cluster's private sealing key (seal.key): the new root's key is sealed for it"
                + " (env MESHGATE_SEAL_KEY).")
    @Nullable Path sealKey;

    @Option(
        names = "--trust-domain",
        descriptionKey = "trust-domain",
        defaultValue = MeshCaSettings.DEFAULT_TRUST_DOMAIN,
        description =
            "Named in the new root's subject (env MESHGATE_TRUST_DOMAIN; default"
                + " ${DEFAULT-VALUE}).")
    String trustDomain;

    @Option(
        names = "--propagation",
        defaultValue = "5m",
        converter = DurationConverter.class,
        description =
            "How long before the new root signs: the time proxies need to receive the new"
                + " bundle (default ${DEFAULT-VALUE}).")
    Duration propagation;

    @Override
    public Integer call() throws Exception {
      Path sealKeyFile = SealKeyFile.required(spec, sealKey);
      if (propagation.isNegative()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--propagation " + propagation + " (expected: 0 or more)");
      }
      try {
        new MeshCaSettings(trustDomain, ca.meshCertTtl);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      Sealer sealer = SealKeyFile.sealerFor(SealKeys.readPrivate(sealKeyFile));
      PrintWriter out = spec.commandLine().getOut();
      try (Client client = ca.etcdClient()) {
        MeshCaRoots roots = new MeshCaRoots(client, trustDomain, Clock.systemUTC());
        MeshCaRoot fresh = roots.rotate(sealer, propagation);
        out.println(
            "new mesh CA root "
                + fresh.id()
                + " is trusted now and signs from "
                + fresh.signsFrom()
                + " at "
                + Keyspace.MESH_CA_ROOTS);
        printRoots(out, roots.read(), ca.meshCertTtl, Clock.systemUTC().instant());
      }
      out.flush();
      return Meshgate.EXIT_OK;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Lists the mesh CA roots: when each was created, signs from and is trusted until, and its"
            + " state: PREPARED (trusted, not signing yet), ACTIVE (signs), RETIRING (trusted"
            + " until its last certificate expires), RETIRED (no longer trusted)."
      })
  static final class Status implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin CaOptions ca;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (Client client = ca.etcdClient()) {
        List<MeshCaRoot> roots =
            new MeshCaRoots(client, MeshCaSettings.DEFAULT_TRUST_DOMAIN, Clock.systemUTC()).read();
        if (roots.isEmpty()) {
          out.println(
              "no mesh CA root at "
                  + Keyspace.MESH_CA_ROOTS
                  + ": a node started with a seal key creates the first one");
        } else {
          printRoots(out, roots, ca.meshCertTtl, Clock.systemUTC().instant());
        }
      }
      out.flush();
      return Meshgate.EXIT_OK;
    }
  }

  static void printRoots(PrintWriter out, List<MeshCaRoot> stored, Duration ttl, Instant now) {
    RootSet roots = new RootSet(stored, ttl);
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "CREATED", "SIGNS FROM", "TRUSTED UNTIL", "STATE"});
    for (MeshCaRoot root : stored) {
      rows.add(
          new String[] {
            root.id(),
            root.created().toString(),
            root.signsFrom().toString(),
            roots.trustedUntil(root).map(Instant::toString).orElse("-"),
            roots.state(root, now).name()
          });
    }
    Table.print(out, rows);
  }
}
