package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.meshbridge.meshca.MeshCaRoot;
import io.meshgate.meshbridge.meshca.MeshCaRoots;
import io.meshgate.testkit.EtcdCluster;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshgate mesh-ca rotate} and {@code status} against a real etcd. */
class MeshCaCommandIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir static Path sealDir;

  private static SealKeyPair seal;

  @BeforeAll
  static void sealKey() throws Exception {
    seal = SealKeyPair.generate();
    seal.writeTo(sealDir);
  }

  @BeforeEach
  void emptyKeyspace() throws Exception {
    etcd.client()
        .getKVClient()
        .delete(ByteSequence.from(Keyspace.MESH_CA_ROOTS, UTF_8))
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void statusWithoutRootsSaysWhoCreatesThem() {
    // when
    CliRun run = CliRun.run("mesh-ca", "status", "--etcd", etcd.endpointList());

    // then
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("no mesh CA root at " + Keyspace.MESH_CA_ROOTS)
        .contains("a node started with a seal key creates the first one");
  }

  @Test
  void rotateAddsAPreparedRootAndStatusShowsBoth() {
    // given: the root a node creates at start
    MeshCaRoot first =
        new MeshCaRoots(etcd.client(), "shop.example", Clock.systemUTC())
            .ensureInitialized(new Sealer(seal.publicKey()))
            .get(0);

    // when
    CliRun rotate =
        CliRun.run(
            "mesh-ca",
            "rotate",
            "--propagation",
            "1h",
            "--trust-domain",
            "shop.example",
            "--seal-key",
            sealDir.resolve(SealKeyPair.PRIVATE_FILE).toString(),
            "--etcd",
            etcd.endpointList());

    // then
    assertThat(rotate.exit()).as(rotate.err()).isZero();
    List<MeshCaRoot> roots =
        new MeshCaRoots(etcd.client(), "shop.example", Clock.systemUTC()).read();
    assertThat(roots).hasSize(2).startsWith(first);
    MeshCaRoot second = roots.get(1);
    assertThat(rotate.out())
        .contains("new mesh CA root " + second.id() + " is trusted now and signs from");

    // when
    CliRun status = CliRun.run("mesh-ca", "status", "--etcd", etcd.endpointList());

    // then
    assertThat(status.exit()).as(status.err()).isZero();
    List<String> lines = status.out().lines().toList();
    assertThat(lines.get(0).split("\\s{2,}"))
        .containsExactly("ID", "CREATED", "SIGNS FROM", "TRUSTED UNTIL", "STATE");
    assertThat(lines.get(1)).startsWith(first.id()).endsWith("ACTIVE");
    assertThat(lines.get(1))
        .contains(
            second.signsFrom().plus(java.time.Duration.ofHours(24)).plusSeconds(300).toString());
    assertThat(lines.get(2)).startsWith(second.id()).endsWith("PREPARED").contains(" - ");

    // when: a second rotation before the first one's root signs
    CliRun again =
        CliRun.run(
            "mesh-ca",
            "rotate",
            "--seal-key",
            sealDir.resolve(SealKeyPair.PRIVATE_FILE).toString(),
            "--etcd",
            etcd.endpointList());

    // then
    assertThat(again.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(again.err()).contains("signs only from " + second.signsFrom());
  }

  @Test
  void rotateNeedsTheSealKey() {
    CliRun run = CliRun.run("mesh-ca", "rotate", "--etcd", etcd.endpointList());

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(run.err()).contains("--seal-key");
  }
}
