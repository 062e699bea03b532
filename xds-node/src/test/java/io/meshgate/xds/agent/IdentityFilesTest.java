package io.meshgate.xds.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityFilesTest {
  @TempDir Path dir;

  @Test
  void everyWriteIsVisibleToAReaderThatComparesModificationTimes() throws Exception {
    // given
    IdentityFiles files = new IdentityFiles(dir.resolve("identity"));
    files.create();

    // when: the certificate is replaced many times in a row, faster than the file system's clock
    // ticks
    List<FileTime> times = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      files.writeCertificate("certificate " + i);
      times.add(Files.getLastModifiedTime(files.certificate()));
    }

    // then: each write has a time of its own, later than the one before
    for (int i = 1; i < times.size(); i++) {
      assertThat(times.get(i)).as("write %d", i).isGreaterThan(times.get(i - 1));
    }
    assertThat(Files.readString(files.certificate())).isEqualTo("certificate 49");
  }

  @Test
  void theKeyIsReadableByItsOwnerOnly() throws Exception {
    // given
    IdentityFiles files = new IdentityFiles(dir.resolve("identity"));
    files.create();

    // when
    files.writePrivateKey("key");
    files.writeCertificate("certificate");

    // then
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.privateKey())))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.certificate())))
        .isEqualTo("rw-r--r--");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("identity"))))
        .isEqualTo("rwx------");
  }
}
