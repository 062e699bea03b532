package io.meshgate.xds.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate files are read only from the node's cert dirs: regular files of at most 1 MiB whose
 * real path is below an allowed directory (per namespace: below {@code <dir>/<namespace>/}). Every
 * refusal is RefNotPermitted with one message, whatever the file.
 */
class CertificateDirsTest {
  private static final Path KEYS = Path.of("src/test/resources/test-keys");

  /** Guards the tests that must not block; the assertions are on what they return. */
  private static final Duration GUARD = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private Path certs;
  private Path elsewhere;
  private String pem;

  @BeforeEach
  void files() throws Exception {
    certs = Files.createDirectories(tmp.resolve("certs"));
    elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    pem =
        Files.readString(KEYS.resolve("edge.example.com.crt"))
            + Files.readString(KEYS.resolve("edge.example.com.key"));
  }

  /** A key loader as one file reference at a time sees it. */
  private record Keys(KeyLoader loader) {
    KeyMaterial load(String namespace, String path) {
      KeyRef ref = new KeyRef.File(namespace, path);
      return loader.ringFor(Set.of(ref)).get(ref);
    }

    String fingerprint(String namespace, String path) {
      if (load(namespace, path) instanceof KeyMaterial.Opened opened) {
        return opened.fingerprint();
      }
      throw new AssertionError(path + " was refused, but should have been read");
    }
  }

  /** A refusal's Gateway API reason and message. */
  private record Refusal(String reason, String getMessage) {}

  private static Keys keys(CertificateDirs dirs) {
    return new Keys(KeyLoader.of(null, dirs));
  }

  private static Refusal refusal(Keys keys, String namespace, Path path) {
    if (keys.load(namespace, path.toString()) instanceof KeyMaterial.Unavailable unavailable) {
      return new Refusal(unavailable.reason().wireName(), unavailable.message());
    }
    throw new AssertionError(path + " was read, but should have been refused");
  }

  @Test
  void aFileInsideAnAllowedDirectoryIsServed() throws Exception {
    // given
    Path file = Files.writeString(certs.resolve("edge.pem"), pem);
    Keys keys = keys(CertificateDirs.shared(List.of(certs)));

    // when
    KeyMaterial.Opened pair = (KeyMaterial.Opened) keys.load("default", file.toString());

    // then
    assertThat(pair.chainPem()).isEqualTo(Files.readString(KEYS.resolve("edge.example.com.crt")));
    assertThat(pair.keyPem()).isEqualTo(Files.readString(KEYS.resolve("edge.example.com.key")));
  }

  @Test
  void aFileOutsideIsNotPermittedWithTheSameMessageWhetherItExistsOrNot() throws Exception {
    // given
    Path existing = Files.writeString(elsewhere.resolve("edge.pem"), pem);
    Path absent = elsewhere.resolve("absent.pem");
    Keys keys = keys(CertificateDirs.shared(List.of(certs)));

    // when
    Refusal forExisting = refusal(keys, "default", existing);
    Refusal forAbsent = refusal(keys, "default", absent);
    Refusal forShadow = refusal(keys, "default", Path.of("/etc/shadow"));
    Refusal forAbsentInside = refusal(keys, "default", certs.resolve("no.pem"));

    // then
    assertThat(forExisting.reason()).isEqualTo("RefNotPermitted");
    assertThat(forExisting.getMessage())
        .contains("--cert-dirs")
        .doesNotContain(existing.toString())
        .doesNotContain("edge.pem")
        .isEqualTo(forAbsent.getMessage())
        .isEqualTo(forShadow.getMessage())
        .isEqualTo(forAbsentInside.getMessage());
    assertThat(List.of(forAbsent, forShadow, forAbsentInside))
        .extracting(Refusal::reason)
        .containsOnly("RefNotPermitted");
  }

  @Test
  void aSymlinkInsidePointingOutsideIsRefusedAndOneStayingInsideIsServed() throws Exception {
    // given
    Path outside = Files.writeString(elsewhere.resolve("edge.pem"), pem);
    Path inside = Files.writeString(certs.resolve("real.pem"), pem);
    Path escaping = Files.createSymbolicLink(certs.resolve("escaping.pem"), outside);
    Path staying = Files.createSymbolicLink(certs.resolve("staying.pem"), inside);
    Path dotDot = certs.resolve("../elsewhere/edge.pem");
    Keys keys = keys(CertificateDirs.shared(List.of(certs)));

    // when
    Refusal refused = refusal(keys, "default", escaping);

    // then
    assertThat(refused.reason()).isEqualTo("RefNotPermitted");
    assertThat(refusal(keys, "default", dotDot).reason()).isEqualTo("RefNotPermitted");
    assertThat(keys.fingerprint("default", staying.toString()))
        .isEqualTo(keys.fingerprint("default", inside.toString()));
  }

  @Test
  void aFifoIsRefusedWithoutOpeningIt() throws Exception {
    // given: a FIFO nobody writes to; opening it for reading would block forever
    Path fifo = certs.resolve("stall.pem");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mkfifo.exitValue()).isZero();
    Path link = Files.createSymbolicLink(certs.resolve("link-to-stall.pem"), fifo);
    Keys keys = keys(CertificateDirs.shared(List.of(certs)));

    // when
    Refusal refused = assertTimeoutPreemptively(GUARD, () -> refusal(keys, "default", fifo));
    Refusal viaLink = assertTimeoutPreemptively(GUARD, () -> refusal(keys, "default", link));

    // then
    assertThat(refused.reason()).isEqualTo("RefNotPermitted");
    assertThat(viaLink.getMessage()).isEqualTo(refused.getMessage());
  }

  @Test
  void aDeviceIsRefusedEvenInsideAnAllowedDirectory() throws Exception {
    // given: /dev allowed outright, and a link to /dev/zero in an allowed directory
    Path zeroLink = Files.createSymbolicLink(certs.resolve("zero.pem"), Path.of("/dev/zero"));
    Keys devAllowed = keys(CertificateDirs.shared(List.of(Path.of("/dev"), certs)));

    // when
    Refusal zero =
        assertTimeoutPreemptively(
            GUARD, () -> refusal(devAllowed, "default", Path.of("/dev/zero")));
    Refusal viaLink =
        assertTimeoutPreemptively(GUARD, () -> refusal(devAllowed, "default", zeroLink));

    // then
    assertThat(zero.reason()).isEqualTo("RefNotPermitted");
    assertThat(viaLink.reason()).isEqualTo("RefNotPermitted");
  }

  @Test
  void aFileLargerThanOneMebibyteIsRefused() throws Exception {
    // given: a valid chain and key, padded to 2 MiB
    Path large = certs.resolve("large.pem");
    Files.writeString(large, pem + "#".repeat(2 * 1024 * 1024));
    Keys keys = keys(CertificateDirs.shared(List.of(certs)));

    // when
    Refusal refused = refusal(keys, "default", large);

    // then
    assertThat(refused.reason()).isEqualTo("RefNotPermitted");
    assertThat(refused.getMessage()).contains("at most 1 MiB");
  }

  @Test
  void perNamespaceATenantReachesOnlyItsOwnSubdirectory() throws Exception {
    // given
    Path ownDir = Files.createDirectories(certs.resolve("tenant-a"));
    Path otherDir = Files.createDirectories(certs.resolve("tenant-b"));
    Path own = Files.writeString(ownDir.resolve("edge.pem"), pem);
    Path others = Files.writeString(otherDir.resolve("edge.pem"), pem);
    Path shared = Files.writeString(certs.resolve("shared.pem"), pem);
    Path linkToOthers = Files.createSymbolicLink(ownDir.resolve("borrowed.pem"), others);
    Keys keys = keys(CertificateDirs.perNamespace(List.of(certs)));

    // when
    String ownFingerprint = keys.fingerprint("tenant-a", own.toString());

    // then
    assertThat(ownFingerprint).hasSize(64);
    assertThat(
            List.of(
                refusal(keys, "tenant-a", others),
                refusal(keys, "tenant-a", shared),
                refusal(keys, "tenant-a", linkToOthers),
                refusal(keys, "tenant-a", ownDir.resolve("../tenant-b/edge.pem")),
                refusal(keys, "tenant-b", own)))
        .extracting(Refusal::reason)
        .containsOnly("RefNotPermitted");
    assertThat(keys.fingerprint("tenant-b", others.toString())).isEqualTo(ownFingerprint);
  }

  @Test
  void withoutCertDirsEveryFileReferenceIsRefused() throws Exception {
    // given
    Path file = Files.writeString(certs.resolve("edge.pem"), pem);
    Keys unconfigured = keys(CertificateDirs.none());

    // when
    Refusal refused = refusal(unconfigured, "default", file);

    // then
    assertThat(refused.reason()).isEqualTo("RefNotPermitted");
    assertThat(refused.getMessage())
        .isEqualTo(
            "certificate file references are not permitted: this node has no --cert-dirs"
                + " (MESHGATE_CERT_DIRS)")
        .isEqualTo(refusal(unconfigured, "default", Path.of("/etc/shadow")).getMessage());
    assertThat(refusal(keys(CertificateDirs.none()), "default", file).reason())
        .isEqualTo("RefNotPermitted");
  }
}
