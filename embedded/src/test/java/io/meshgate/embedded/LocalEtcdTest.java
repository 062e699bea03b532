package io.meshgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalEtcdTest {
  @TempDir Path dir;

  @Test
  void aMissingBinaryFailsWithTheInstallCommand() {
    assertThatThrownBy(() -> LocalEtcd.findBinary(null, dir.toString(), dir.resolve("none")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "etcd binary not found on PATH; install it with: apt-get install -y etcd-server");
  }

  @Test
  void theBinaryIsFoundOnThePath() throws Exception {
    Path etcd =
        Files.createFile(
            dir.resolve("etcd"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));

    assertThat(LocalEtcd.findBinary(null, "/nonexistent:" + dir, dir.resolve("none")))
        .isEqualTo(etcd);
  }

  @Test
  void anExplicitBinaryMustBeExecutable() {
    assertThatThrownBy(
            () -> LocalEtcd.findBinary(dir.resolve("etcd").toString(), "", dir.resolve("none")))
        .hasMessage("MESHGATE_ETCD_BIN=" + dir.resolve("etcd") + " is not executable");
  }
}
