package io.meshgate.config.seal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

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
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAKey;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The cluster's sealing key pair: the CLI seals with the public half, the xDS replicas unseal with
 * the private half. {@link #toString} shows the key id only.
 */
public record SealKeyPair(PublicKey publicKey, PrivateKey privateKey) {
  /** Key size of generated pairs; {@link SealKeys#MIN_BITS} is what is accepted. */
  public static final int BITS = 4096;

  public static final String PUBLIC_FILE = "seal.pub";
  public static final String PRIVATE_FILE = "seal.key";

  /** Where {@link #retire} moves a replaced pair, beside {@value #PRIVATE_FILE}. */
  public static final String RETIRED_DIR = "retired";

  /** The retired private keys in {@value #RETIRED_DIR}: {@code seal-<key id>.key}. */
  public static final String RETIRED_GLOB = "seal-*.key";

  private static final Set<OpenOption> CREATE_ONLY = Set.of(CREATE_NEW, WRITE);
  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  public SealKeyPair {
    SealKeys.requireUsable(publicKey, "publicKey");
    SealKeys.requireUsable(privateKey, "privateKey");
    String publicId = SealKeys.keyId(publicKey);
    String privateId = SealKeys.keyId(SealKeys.publicKeyOf(privateKey));
    if (!publicId.equals(privateId)) {
      throw new IllegalArgumentException(
          "publicKey: key "
              + publicId
              + " (expected: the public half of privateKey, key "
              + privateId
              + ")");
    }
  }

  /** A fresh RSA pair of {@value #BITS} bits. */
  public static SealKeyPair generate() {
    return generate(BITS);
  }

  /** For tests that need a second, cheaper pair; production keys use {@link #generate()}. */
  static SealKeyPair generate(int bits) {
    if (bits < SealKeys.MIN_BITS) {
      throw new IllegalArgumentException(
          "bits: " + bits + " (expected: at least " + SealKeys.MIN_BITS + ")");
    }
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(bits);
      KeyPair pair = generator.generateKeyPair();
      return new SealKeyPair(pair.getPublic(), pair.getPrivate());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("RSA is unavailable", e);
    }
  }

  public String keyId() {
    return SealKeys.keyId(publicKey);
  }

  /**
   * Writes {@value #PUBLIC_FILE} and {@value #PRIVATE_FILE} into {@code dir}, creating it if
   * needed. The private file is created owner read/write only (0600) where the file system has
   * POSIX permissions, so it is never readable by others, not even for a moment. Existing files are
   * never overwritten: replacing the cluster key makes every sealed Secret unreadable.
   */
  public void writeTo(Path dir) throws IOException {
    requireNonNull(dir, "dir");
    Path publicFile = dir.resolve(PUBLIC_FILE);
    Path privateFile = dir.resolve(PRIVATE_FILE);
    // Both checked first so that a refusal leaves no half-written pair behind.
    refuseExisting(privateFile);
    refuseExisting(publicFile);
    Files.createDirectories(dir);

    byte[] privatePem = SealKeys.privatePem(privateKey).getBytes(US_ASCII);
    try {
      create(privateFile, privatePem, ownerReadWrite(privateFile));
    } finally {
      Arrays.fill(privatePem, (byte) 0);
    }
    try {
      create(publicFile, SealKeys.publicPem(publicKey).getBytes(US_ASCII));
    } catch (IOException | RuntimeException e) {
      deleteQuietly(privateFile, e);
      throw e;
    }
  }

  /**
   * Moves the pair in {@code dir} to {@code dir/retired/seal-<key id>.key} (mode 0600) and {@code
   * .pub}, so that {@link #writeTo} can write its successor while replicas keep opening what was
   * sealed for it ({@link Unsealer#readKeyFile}). An already retired key is never overwritten.
   *
   * @return the retired private key file
   */
  public static Path retire(Path dir) throws IOException {
    requireNonNull(dir, "dir");
    Path privateFile = dir.resolve(PRIVATE_FILE);
    String keyId = SealKeys.keyId(SealKeys.publicKeyOf(SealKeys.readPrivate(privateFile)));
    Path retiredDir = dir.resolve(RETIRED_DIR);
    Files.createDirectories(retiredDir);
    Path retiredPrivate = retiredDir.resolve("seal-" + keyId + ".key");
    refuseExisting(retiredPrivate);
    Files.move(privateFile, retiredPrivate);
    if (retiredPrivate.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(retiredPrivate, OWNER_READ_WRITE);
    }
    Path publicFile = dir.resolve(PUBLIC_FILE);
    if (Files.exists(publicFile)) {
      Files.move(publicFile, retiredDir.resolve("seal-" + keyId + ".pub"));
    }
    return retiredPrivate;
  }

  @Override
  public String toString() {
    return "SealKeyPair[keyId="
        + keyId()
        + ", bits="
        + ((RSAKey) publicKey).getModulus().bitLength()
        + "]";
  }

  private static void refuseExisting(Path file) throws FileAlreadyExistsException {
    if (Files.exists(file)) {
      throw alreadyExists(file);
    }
  }

  private static FileAlreadyExistsException alreadyExists(Path file) {
    return new FileAlreadyExistsException(
        file.toString(),
        null,
        "refusing to overwrite an existing key file: Secrets sealed for its key could no longer"
            + " be opened; move it away or choose another directory");
  }

  /** 0600 from creation on, where the file system knows POSIX permissions. */
  private static FileAttribute<?>[] ownerReadWrite(Path file) {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)};
    }
    return new FileAttribute<?>[0];
  }

  private static void create(Path file, byte[] content, FileAttribute<?>... attributes)
      throws IOException {
    SeekableByteChannel created;
    try {
      created = Files.newByteChannel(file, CREATE_ONLY, attributes);
    } catch (FileAlreadyExistsException e) {
      throw alreadyExists(file);
    }
    // A half-written key file would block the next attempt: remove what we created.
    try (SeekableByteChannel channel = created) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      deleteQuietly(file, e);
      throw e;
    }
  }

  private static void deleteQuietly(Path file, Exception reason) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException cleanup) {
      reason.addSuppressed(cleanup);
    }
  }
}
