package io.meshgate.xds.keys;

import io.meshgate.config.seal.SealException;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.xds.ir.CertificateIr;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens listener certificates' private keys: a Secret's with this replica's seal key, a file's from
 * disk, only from the node's {@link CertificateDirs} (none unless configured). Opened keys are kept
 * (at most {@value #CACHED}) so a rebuild does not unseal again. Thread- safe.
 */
public final class PrivateKeys {
  static final int CACHED = 1024;
  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----[^-]+-----END \\1-----\\r?\\n?");

  private final Unsealer unsealer;
  private final CertificateDirs files;
  private final Map<CertificateIr, KeyPairPem> opened =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<CertificateIr, KeyPairPem> eldest) {
          return size() > CACHED;
        }
      };

  private PrivateKeys(Unsealer unsealer, CertificateDirs files) {
    this.unsealer = unsealer;
    this.files = java.util.Objects.requireNonNull(files, "files");
  }

  /**
   * A replica without a seal key and without cert dirs: neither sealed keys nor files can be
   * opened.
   */
  public static PrivateKeys withoutSealKey() {
    return new PrivateKeys(null, CertificateDirs.none());
  }

  /** A replica that unseals with this key; files are refused until {@link #readingFilesFrom}. */
  public static PrivateKeys unsealingWith(Unsealer unsealer) {
    return new PrivateKeys(
        java.util.Objects.requireNonNull(unsealer, "unsealer"), CertificateDirs.none());
  }

  /** The same seal key, reading certificate files only from these directories. */
  public PrivateKeys readingFilesFrom(CertificateDirs files) {
    return new PrivateKeys(unsealer, files);
  }

  /**
   * A certificate chain and its private key, both PEM. {@link #toString()} shows neither key byte.
   */
  public record KeyPairPem(String chainPem, String keyPem) {
    @Override
    public String toString() {
      return "KeyPairPem[chain " + chainPem.length() + " chars, key redacted]";
    }
  }

  /**
   * Thrown when a key cannot be opened; the message says why and never holds key material, and
   * {@link #reason} is the Gateway API reason of the refused reference.
   */
  public static final class KeyUnavailable extends Exception {
    /** The reference names something that exists but cannot be served. */
    public static final String INVALID = "InvalidCertificateRef";

    /** The reference names something this replica is not permitted to read. */
    public static final String NOT_PERMITTED = "RefNotPermitted";

    private final String reason;

    public KeyUnavailable(String message) {
      this(message, INVALID);
    }

    private KeyUnavailable(String message, String reason) {
      super(message);
      this.reason = reason;
    }

    static KeyUnavailable notPermitted(String message) {
      return new KeyUnavailable(message, NOT_PERMITTED);
    }

    public String reason() {
      return reason;
    }
  }

  /** The chain and key of a certificate. */
  public synchronized KeyPairPem open(CertificateIr certificate) throws KeyUnavailable {
    KeyPairPem pair = opened.get(certificate);
    if (pair == null) {
      pair = load(certificate);
      opened.put(certificate, pair);
    }
    return pair;
  }

  private KeyPairPem load(CertificateIr certificate) throws KeyUnavailable {
    if (certificate instanceof CertificateIr.FromSecret secret) {
      if (unsealer == null) {
        throw new KeyUnavailable(
            "this replica has no seal key (MESHGATE_SEAL_KEY), so it cannot unseal tls.key");
      }
      byte[] key;
      try {
        key =
            unsealer
                .unseal(secret.namespace(), secret.secretName(), secret.sealedKey())
                .get("tls.key");
      } catch (SealException e) {
        // SealException messages name the Secret and key, never a value.
        throw new KeyUnavailable("tls.key cannot be unsealed: " + e.getMessage());
      }
      if (key == null) {
        throw new KeyUnavailable("the sealed data has no tls.key");
      }
      String keyPem = new String(key, StandardCharsets.UTF_8);
      if (!keyPem.contains("PRIVATE KEY-----")) {
        throw new KeyUnavailable("tls.key is not a PEM private key");
      }
      return new KeyPairPem(secret.chainPem(), keyPem);
    }
    CertificateIr.FromFile file = (CertificateIr.FromFile) certificate;
    return splitPem(file.path(), files.read(file.namespace(), file.path()));
  }

  /**
   * The SHA-256 of a certificate file referred to from a resource in {@code namespace}, so a
   * changed file changes the IR.
   *
   * @throws KeyUnavailable if it is not permitted (reason RefNotPermitted: outside the cert dirs,
   *     not a regular file, too large, unreadable; the message never says which) or lacks a
   *     certificate or a key (InvalidCertificateRef)
   */
  public String fingerprint(String namespace, String path) throws KeyUnavailable {
    byte[] bytes = files.read(namespace, path);
    splitPem(path, bytes);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** A file's CERTIFICATE blocks (the chain, in order) and its one PRIVATE KEY block. */
  private static KeyPairPem splitPem(String path, byte[] bytes) throws KeyUnavailable {
    StringBuilder chain = new StringBuilder();
    String key = null;
    Matcher blocks = PEM_BLOCK.matcher(new String(bytes, StandardCharsets.US_ASCII));
    while (blocks.find()) {
      String block = blocks.group();
      if (!block.endsWith("\n")) {
        block = block + "\n";
      }
      if (blocks.group(1).equals("CERTIFICATE")) {
        chain.append(block);
      } else if (blocks.group(1).endsWith("PRIVATE KEY")) {
        if (key != null) {
          throw new KeyUnavailable(path + " holds more than one private key");
        }
        key = block;
      }
    }
    if (chain.length() == 0 || key == null) {
      throw new KeyUnavailable(path + " must hold a PEM certificate chain and one PEM private key");
    }
    return new KeyPairPem(chain.toString(), key);
  }

  @Override
  public String toString() {
    return "PrivateKeys["
        + (unsealer == null ? "no seal key" : "seal key " + unsealer.keyId())
        + ", "
        + files
        + "]";
  }
}
