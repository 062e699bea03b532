package io.meshgate.xds.security;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

import io.meshgate.config.pem.Pem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Writes new key and certificate files: all of a set or none, never over an existing file, a
 * private key owner read/write only (0600) from the moment it exists where the file system has
 * POSIX permissions. What goes into the files is {@link Pem}'s to encode.
 */
final class KeyFiles {
  private static final Set<OpenOption> CREATE_ONLY = Set.of(CREATE_NEW, WRITE);
  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  /** Who may read a file we create. */
  enum Access {
    /** 0600: private keys. */
    OWNER_ONLY,
    /** The process's umask decides: certificates. */
    DEFAULT
  }

  /** A file to create; {@link #content} is zeroed once it is written or refused. */
  record NewFile(Path path, byte[] content, Access access) {
    NewFile {
      requireNonNull(path, "path");
      requireNonNull(content, "content");
      requireNonNull(access, "access");
    }

    /** A file of PEM text, as {@link Pem} writes it. */
    static NewFile pem(Path path, String pem, Access access) {
      return new NewFile(path, pem.getBytes(US_ASCII), access);
    }
  }

  private KeyFiles() {}

  /**
   * Creates every file or none: all are checked before the first is written, and what was created
   * is removed again if a later one fails, so a refusal leaves no half-written set behind. The
   * contents are zeroed afterwards.
   */
  static void createAll(Path dir, List<NewFile> files) throws IOException {
    try {
      for (NewFile file : files) {
        if (Files.exists(file.path())) {
          throw alreadyExists(file.path());
        }
      }
      Files.createDirectories(dir);
      List<Path> created = new ArrayList<>();
      try {
        for (NewFile file : files) {
          create(file);
          created.add(file.path());
        }
      } catch (IOException | RuntimeException e) {
        for (Path path : created) {
          deleteQuietly(path, e);
        }
        throw e;
      }
    } finally {
      for (NewFile file : files) {
        Arrays.fill(file.content(), (byte) 0);
      }
    }
  }

  private static void create(NewFile file) throws IOException {
    FileAttribute<?>[] attributes =
        file.access() == Access.OWNER_ONLY && posix(file.path())
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
            : new FileAttribute<?>[0];
    SeekableByteChannel created;
    try {
      created = Files.newByteChannel(file.path(), CREATE_ONLY, attributes);
    } catch (FileAlreadyExistsException e) {
      throw alreadyExists(file.path());
    }
    // A half-written file would block the next attempt: remove what we created.
    try (SeekableByteChannel channel = created) {
      ByteBuffer buffer = ByteBuffer.wrap(file.content());
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      deleteQuietly(file.path(), e);
      throw e;
    }
  }

  private static boolean posix(Path file) {
    return file.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static FileAlreadyExistsException alreadyExists(Path file) {
    return new FileAlreadyExistsException(
        file.toString(),
        null,
        "refusing to overwrite an existing file; move it away or choose another directory");
  }

  private static void deleteQuietly(Path file, Exception reason) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException cleanup) {
      reason.addSuppressed(cleanup);
    }
  }
}
