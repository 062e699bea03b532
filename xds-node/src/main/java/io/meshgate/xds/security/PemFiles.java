package io.meshgate.xds.security;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.jspecify.annotations.Nullable;

/**
 * PEM files of certificates and private keys. New files are created, never overwritten; a private
 * key file is owner read/write only (0600) from the moment it exists, where the file system has
 * POSIX permissions.
 */
final class PemFiles {
  private static final Set<OpenOption> CREATE_ONLY = Set.of(CREATE_NEW, WRITE);
  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});

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
  }

  private PemFiles() {}

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

  static byte[] certificatesPem(List<X509Certificate> certificates) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (X509Certificate certificate : certificates) {
      try {
        out.writeBytes(pem("CERTIFICATE", certificate.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(
            "cannot encode " + certificate.getSubjectX500Principal(), e);
      }
    }
    return out.toByteArray();
  }

  /** PKCS#8 ({@code PRIVATE KEY}); the caller zeroes the result once written. */
  static byte[] privateKeyPem(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException(
          "key: format " + key.getFormat() + " (expected: PKCS#8, an exportable software key)");
    }
    byte[] der = key.getEncoded();
    try {
      return pem("PRIVATE KEY", der);
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  static List<X509Certificate> readCertificates(Path file) throws IOException {
    requireNonNull(file, "file");
    byte[] content = Files.readAllBytes(file);
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      for (Certificate certificate :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(content))) {
        certificates.add((X509Certificate) certificate);
      }
    } catch (CertificateException e) {
      throw new IOException(file + ": not a PEM certificate chain: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IOException(file + ": no certificate (expected: PEM BEGIN CERTIFICATE blocks)");
    }
    return List.copyOf(certificates);
  }

  /** The first private key in the file: PKCS#8, or the traditional EC and RSA forms. */
  static PrivateKey readPrivateKey(Path file) throws IOException {
    requireNonNull(file, "file");
    Object key = firstKeyObject(file, Files.readString(file, US_ASCII));
    if (key == null) {
      throw new IOException(file + ": no private key (expected: PEM BEGIN PRIVATE KEY)");
    }
    if (key instanceof PKCS8EncryptedPrivateKeyInfo || key instanceof PEMEncryptedKeyPair) {
      throw new IOException(file + ": encrypted private keys are not supported");
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try {
      return key instanceof PEMKeyPair pair
          ? converter.getKeyPair(pair).getPrivate()
          : converter.getPrivateKey((PrivateKeyInfo) key);
    } catch (PEMException e) {
      throw new IOException(file + ": unusable private key: " + e.getMessage(), e);
    }
  }

  private static @Nullable Object firstKeyObject(Path file, String content) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(content))) {
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (object instanceof PrivateKeyInfo
            || object instanceof PEMKeyPair
            || object instanceof PKCS8EncryptedPrivateKeyInfo
            || object instanceof PEMEncryptedKeyPair) {
          return object;
        }
      }
      return null;
    } catch (IOException e) {
      throw new IOException(file + ": not a PEM private key: " + e.getMessage(), e);
    }
  }

  private static byte[] pem(String type, byte[] der) {
    byte[] begin = ("-----BEGIN " + type + "-----\n").getBytes(US_ASCII);
    byte[] body = BASE64.encode(der);
    byte[] end = ("\n-----END " + type + "-----\n").getBytes(US_ASCII);
    byte[] pem = new byte[begin.length + body.length + end.length];
    System.arraycopy(begin, 0, pem, 0, begin.length);
    System.arraycopy(body, 0, pem, begin.length, body.length);
    System.arraycopy(end, 0, pem, begin.length + body.length, end.length);
    Arrays.fill(body, (byte) 0);
    return pem;
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
