package io.meshgate.xds.keys;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directories certificate files ({@code group: meshgate.io, kind: File}) may be read from: the
 * node's {@code --cert-dirs}. None by default, so every File reference is refused until an operator
 * lists some. Per namespace, a reference from namespace N reaches only {@code <dir>/N/} of each
 * listed directory, so a tenant cannot serve another tenant's key.
 *
 * <p>A file is read only when its real path (symlinks resolved) lies below an allowed directory's
 * real path and is a regular file of at most {@value #MAX_BYTES} bytes; it is then opened without
 * following links and read, bounded, on a daemon thread the caller waits for at most {@link
 * #READ_TIMEOUT}, so a file swapped for a FIFO after the check cannot stall the pipeline. Every
 * refusal has the same message, whatever the file: the message is no oracle for what exists on a
 * replica. Thread-safe.
 */
public final class CertificateDirs {
  private static final Logger log = LoggerFactory.getLogger(CertificateDirs.class);

  /** The largest certificate file read (a chain and a key are a few KiB). */
  public static final int MAX_BYTES = 1024 * 1024;

  /** The longest a read may take before the reference is refused. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

  private static final String NAMESPACE = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

  // Daemon threads: a read stuck in open(2) (a FIFO swapped in after the check) cannot be
  // interrupted; it must not keep the process alive or hold the pipeline's thread.
  private static final ExecutorService READERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread thread = new Thread(r, "meshgate-certificate-file-read");
            thread.setDaemon(true);
            return thread;
          });

  private final List<Path> dirs;
  private final boolean perNamespace;

  private CertificateDirs(List<Path> dirs, boolean perNamespace) {
    this.dirs = List.copyOf(dirs);
    this.perNamespace = perNamespace;
    for (Path dir : this.dirs) {
      if (!dir.isAbsolute()) {
        throw new IllegalArgumentException("cert dir: " + dir + " (expected: an absolute path)");
      }
    }
  }

  /** No directory: every File reference is refused (the default). */
  public static CertificateDirs none() {
    return new CertificateDirs(List.of(), false);
  }

  /** Any reference may reach any file below these directories. */
  public static CertificateDirs shared(List<Path> dirs) {
    return new CertificateDirs(requireNonNull(dirs, "dirs"), false);
  }

  /** A reference from namespace N reaches only files below {@code <dir>/N/} of these. */
  public static CertificateDirs perNamespace(List<Path> dirs) {
    return new CertificateDirs(requireNonNull(dirs, "dirs"), true);
  }

  public List<Path> dirs() {
    return dirs;
  }

  public boolean isEmpty() {
    return dirs.isEmpty();
  }

  /** The one message of every refusal: it names the setting, never the file. */
  String refusal() {
    if (dirs.isEmpty()) {
      return "certificate file references are not permitted: this node has no --cert-dirs"
          + " (MESHGATE_CERT_DIRS)";
    }
    return "certificate file references are allowed only to regular files of at most 1 MiB under"
        + " the node's --cert-dirs"
        + (perNamespace ? ", in the subdirectory named after the referring namespace" : "");
  }

  /**
   * The bytes of the file at {@code path} referred to from {@code namespace}.
   *
   * @throws Refused if the file is not permitted, not a regular file, too large, unreadable or slow
   *     to read; its message is the same whichever it was
   */
  byte[] read(String namespace, String path) throws Refused {
    requireNonNull(namespace, "namespace");
    requireNonNull(path, "path");
    Path real = permitted(namespace, path);
    Future<byte[]> reading = READERS.submit(() -> boundedRead(real));
    try {
      return reading.get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      reading.cancel(true);
      log.warn("certificate file {} refused: not read within {}", real, READ_TIMEOUT);
      throw refused();
    } catch (ExecutionException e) {
      log.debug("certificate file {} refused: {}", real, e.getCause().toString());
      throw refused();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw refused();
    }
  }

  /** The real path of a permitted regular file, checked without opening it. */
  private Path permitted(String namespace, String path) throws Refused {
    if (dirs.isEmpty() || !path.startsWith("/")) {
      throw refused();
    }
    if (perNamespace && !namespace.matches(NAMESPACE)) {
      throw refused();
    }
    Path real;
    BasicFileAttributes attributes;
    try {
      real = Path.of(path).toRealPath();
      attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | RuntimeException e) {
      log.debug("certificate file {} refused: {}", path, e.toString());
      throw refused();
    }
    // Checked on the real path before opening: a FIFO or a device would block or never end.
    if (!attributes.isRegularFile() || attributes.size() > MAX_BYTES || !below(real, namespace)) {
      log.debug("certificate file {} refused: not a permitted regular file", path);
      throw refused();
    }
    return real;
  }

  private boolean below(Path real, String namespace) {
    for (Path root : roots(namespace)) {
      if (real.startsWith(root) && !real.equals(root)) {
        return true;
      }
    }
    return false;
  }

  /** The real paths of the directories a reference from this namespace may reach. */
  private List<Path> roots(String namespace) {
    List<Path> roots = new ArrayList<>();
    for (Path dir : dirs) {
      try {
        roots.add((perNamespace ? dir.resolve(namespace) : dir).toRealPath());
      } catch (IOException e) {
        // A listed directory that does not exist (yet) permits nothing.
      }
    }
    return roots;
  }

  private static byte[] boundedRead(Path real) throws IOException {
    try (InputStream in =
        Files.newInputStream(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new IOException("larger than " + MAX_BYTES + " bytes");
      }
      return bytes;
    }
  }

  private Refused refused() {
    return new Refused(refusal());
  }

  /** A file reference refused; the message names the setting, never the file. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public String toString() {
    return dirs.isEmpty()
        ? "no cert dirs"
        : "cert dirs " + dirs + (perNamespace ? " per namespace" : "");
  }
}
