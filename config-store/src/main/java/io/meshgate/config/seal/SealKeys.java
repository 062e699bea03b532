package io.meshgate.config.seal;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.pem.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reading, writing and naming the cluster's sealing keys: PEM "PUBLIC KEY" (X.509
 * SubjectPublicKeyInfo) and "PRIVATE KEY" (unencrypted PKCS#8), RSA of at least {@value #MIN_BITS}
 * bits. The PEM text goes through {@link Pem}; what is checked here is what a seal key must be.
 * Errors name the file and the expected form, never the key.
 */
public final class SealKeys {
  /** Smaller RSA keys are refused wherever a key enters this package. */
  public static final int MIN_BITS = 2048;

  private static final String FINGERPRINT_PREFIX = "sha256:";
  private static final Pattern FINGERPRINT = Pattern.compile("sha256:[0-9a-f]{64}");

  private SealKeys() {}

  /** Reads a PEM "PUBLIC KEY" file. */
  public static PublicKey readPublic(Path file) throws IOException {
    requireNonNull(file, "file");
    return parsePublic(read(file), file.toString());
  }

  /** Reads a PEM "PRIVATE KEY" (PKCS#8) file holding an RSA key with its CRT parameters. */
  public static PrivateKey readPrivate(Path file) throws IOException {
    requireNonNull(file, "file");
    return parsePrivate(read(file), file.toString());
  }

  /** Parses a PEM "PUBLIC KEY", as published to etcd or printed by {@link #publicPem}. */
  public static PublicKey parsePublicPem(String pem) {
    requireNonNull(pem, "pem");
    return parsePublic(pem, "public key PEM");
  }

  /** The PEM "PUBLIC KEY" form of {@code publicKey}: SubjectPublicKeyInfo, lines of 64. */
  public static String publicPem(PublicKey publicKey) {
    requireNonNull(publicKey, "publicKey");
    return Pem.publicKey(publicKey);
  }

  /**
   * {@code sha256:} and the 64 lowercase hex digits of the SHA-256 of the SubjectPublicKeyInfo DER:
   * what {@code meshgate seal-key create} prints and {@code MESHGATE_SEAL_FINGERPRINT} pins. The
   * {@link #keyId key id} in envelopes is its first 16 hex digits.
   */
  public static String fingerprint(PublicKey publicKey) {
    requireNonNull(publicKey, "publicKey");
    return FINGERPRINT_PREFIX + HexFormat.of().formatHex(sha256(publicKey.getEncoded()));
  }

  /**
   * A fingerprint as a user typed it, in the form of {@link #fingerprint}; hex digits in either
   * case.
   *
   * @throws IllegalArgumentException naming the value and the expected form
   */
  public static String parseFingerprint(String text) {
    requireNonNull(text, "text");
    String normalized = text.strip().toLowerCase(Locale.ROOT);
    if (!FINGERPRINT.matcher(normalized).matches()) {
      throw new IllegalArgumentException(
          "fingerprint: '"
              + text
              + "' (expected: sha256: and 64 hex digits, as 'meshgate seal-key create' prints)");
    }
    return normalized;
  }

  /** The first 16 lowercase hex digits of the SHA-256 of the SubjectPublicKeyInfo DER. */
  public static String keyId(PublicKey publicKey) {
    requireNonNull(publicKey, "publicKey");
    return HexFormat.of().formatHex(sha256(publicKey.getEncoded()), 0, 8);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  /**
   * The public half of an RSA private key, so that a replica holding only {@code seal.key} knows
   * its own key id.
   */
  public static PublicKey publicKeyOf(PrivateKey privateKey) {
    requireNonNull(privateKey, "privateKey");
    if (!(privateKey instanceof RSAPrivateCrtKey crt)) {
      throw new IllegalArgumentException(
          "privateKey: "
              + privateKey.getAlgorithm()
              + " key without CRT parameters (expected: an RSA private key with its public"
              + " exponent, as PKCS#8 files from meshgate or openssl hold)");
    }
    try {
      return rsaFactory()
          .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException("privateKey: cannot derive its public key", e);
    }
  }

  /** PKCS#8 PEM; package-private because only {@link SealKeyPair#writeTo} writes private keys. */
  static String privatePem(PrivateKey privateKey) {
    requireNonNull(privateKey, "privateKey");
    return Pem.privateKey(privateKey);
  }

  /** Refuses anything but RSA keys of at least {@link #MIN_BITS} bits. */
  static <K extends Key> K requireUsable(K key, String source) {
    requireNonNull(key, source);
    if (!(key instanceof RSAKey rsa)) {
      throw new IllegalArgumentException(
          source + ": " + key.getAlgorithm() + " key (expected: RSA)");
    }
    int bits = rsa.getModulus().bitLength();
    if (bits < MIN_BITS) {
      throw new IllegalArgumentException(
          source + ": RSA key of " + bits + " bits (expected: at least " + MIN_BITS + ")");
    }
    return key;
  }

  private static PublicKey parsePublic(String pem, String source) {
    return requireUsable(Pem.publicKey(pem, "RSA", source), source);
  }

  private static PrivateKey parsePrivate(String pem, String source) {
    // PKCS#8 only, unlike Pem.privateKey: meshgate writes seal keys in that form, and a
    // traditional RSA key would be a file from elsewhere.
    byte[] der = Pem.block(pem, Pem.PRIVATE_KEY, "unencrypted PKCS#8", source).der();
    PrivateKey key;
    try {
      key = rsaFactory().generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException(
          source + ": the 'PRIVATE KEY' block is not an RSA private key (expected: RSA)", e);
    } finally {
      Arrays.fill(der, (byte) 0);
    }
    requireUsable(key, source);
    if (!(key instanceof RSAPrivateCrtKey)) {
      throw new IllegalArgumentException(
          source
              + ": RSA private key without CRT parameters (expected: PKCS#8 with the public"
              + " exponent, as meshgate and openssl write it)");
    }
    return key;
  }

  private static String read(Path file) throws IOException {
    return Pem.text(Files.readAllBytes(file));
  }

  private static KeyFactory rsaFactory() {
    try {
      return KeyFactory.getInstance("RSA");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is unavailable", e);
    }
  }
}
