package io.meshgate.xds.agent;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;

/**
 * The directory gRPC's {@code file_watcher} certificate provider reads: {@value #CERTIFICATE} (the
 * chain), {@value #PRIVATE_KEY} (0600) and {@value #BUNDLE} (the trust domain's roots). Every file
 * is written beside its target and renamed over it, so a reader sees the old file or the new one,
 * never half of one.
 *
 * <p>Readers poll: gRPC's provider reloads a file when its modification time differs from the one
 * it read last. File systems stamp times from a coarse clock (4 ms ticks on this machine's ext4),
 * so two writes within one tick would look like one, and a read between them would miss the second
 * for good. Every write therefore carries a time later than the file it replaces.
 */
public final class IdentityFiles {
  public static final String CERTIFICATE = "cert.pem";
  public static final String PRIVATE_KEY = "key.pem";
  public static final String BUNDLE = "ca.pem";

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> READABLE =
      PosixFilePermissions.fromString("rw-r--r--");

  private final Path dir;

  public IdentityFiles(Path dir) {
    this.dir = requireNonNull(dir, "dir");
  }

  public Path dir() {
    return dir;
  }

  public Path certificate() {
    return dir.resolve(CERTIFICATE);
  }

  public Path privateKey() {
    return dir.resolve(PRIVATE_KEY);
  }

  public Path bundle() {
    return dir.resolve(BUNDLE);
  }

  /** Creates the directory (owner only) if it is missing. */
  void create() throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  void writePrivateKey(String pem) throws IOException {
    replace(PRIVATE_KEY, pem, OWNER_ONLY);
  }

  void writeCertificate(String pem) throws IOException {
    replace(CERTIFICATE, pem, READABLE);
  }

  void writeBundle(String pem) throws IOException {
    replace(BUNDLE, pem, READABLE);
  }

  private void replace(String name, String text, Set<PosixFilePermission> permissions)
      throws IOException {
    // Created with its final permissions: the key is never readable by others, not even briefly.
    Path temporary =
        Files.createTempFile(
            dir, "." + name + ".", ".tmp", PosixFilePermissions.asFileAttribute(permissions));
    try {
      Files.writeString(temporary, text, StandardCharsets.US_ASCII);
      Files.setPosixFilePermissions(temporary, permissions);
      Files.setLastModifiedTime(temporary, FileTime.from(laterThan(dir.resolve(name))));
      try {
        Files.move(
            temporary,
            dir.resolve(name),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(
            dir + " cannot rename files atomically (expected: a local file system)", e);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /** Now, or one microsecond after {@code target}'s time if the clock has not moved past it. */
  private static Instant laterThan(Path target) throws IOException {
    Instant now = Instant.now();
    if (!Files.exists(target)) {
      return now;
    }
    Instant previous = Files.getLastModifiedTime(target).toInstant();
    return now.isAfter(previous) ? now : previous.plus(1, ChronoUnit.MICROS);
  }
}
