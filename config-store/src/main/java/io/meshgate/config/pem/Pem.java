package io.meshgate.config.pem;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM text (RFC 7468) to keys and certificates and back. Written forms: {@code CERTIFICATE}, {@code
 * PRIVATE KEY} (unencrypted PKCS#8) and {@code PUBLIC KEY} (SubjectPublicKeyInfo), base64 in lines
 * of 64. Read forms: those, plus the traditional {@code EC PRIVATE KEY} and {@code RSA PRIVATE
 * KEY}; encrypted keys are refused. Text around blocks is allowed. Every error names the source (a
 * file name, or what the text is) and what was expected, never a key byte.
 */
public final class Pem {
  public static final String CERTIFICATE = "CERTIFICATE";
  public static final String PRIVATE_KEY = "PRIVATE KEY";
  public static final String PUBLIC_KEY = "PUBLIC KEY";

  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=\\s]*");
  private static final Pattern ANY_BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]{1,40})-----");
  private static final Pattern BLANK_LINE = Pattern.compile("\\n[ \\t\\r]*\\n");
  private static final String ENCRYPTED =
      "an encrypted private key (expected: an unencrypted key; encrypted keys are not supported)";
  private static final Base64.Encoder BODY = Base64.getMimeEncoder(64, new byte[] {'\n'});

  private Pem() {}

  /**
   * One block: its label and its bytes. {@link #toString()} shows the label and size only: the
   * bytes may be a key.
   */
  public record Block(String label, byte[] der) {
    public Block {
      requireNonNull(label, "label");
      requireNonNull(der, "der");
    }

    /** The block as PEM text, ending in a newline. */
    public String text() {
      return encode(label, der);
    }

    public boolean isPrivateKey() {
      return label.endsWith(PRIVATE_KEY);
    }

    @Override
    public String toString() {
      return "Block[" + label + ", " + der.length + " bytes]";
    }
  }

  /**
   * Every block of {@code text}, in order; text between blocks is skipped, and so are RFC 1421
   * headers inside a block ({@code Name: value} lines before a blank line).
   *
   * @throws IllegalArgumentException if a block has no END line, is not base64, or is encrypted (a
   *     {@code Proc-Type: 4,ENCRYPTED} header: an OpenSSL traditional encrypted key)
   */
  public static List<Block> blocks(String text, String source) {
    requireNonNull(text, "text");
    requireNonNull(source, "source");
    List<Block> blocks = new ArrayList<>();
    Matcher begin = ANY_BEGIN.matcher(text);
    int from = 0;
    while (begin.find(from)) {
      String label = begin.group(1);
      String end = "-----END " + label + "-----";
      int stop = text.indexOf(end, begin.end());
      if (stop < 0) {
        throw new IllegalArgumentException(
            source + ": the '" + label + "' block has no END line (expected: " + end + ")");
      }
      blocks.add(new Block(label, body(text.substring(begin.end(), stop), label, source)));
      from = stop + end.length();
    }
    return blocks;
  }

  /**
   * The first block of {@code text} labelled {@code label}: for callers that accept one form only.
   *
   * @param form what the block must hold, for the error ("X.509 SubjectPublicKeyInfo")
   * @throws IllegalArgumentException naming the source, the block found instead and {@code form}
   */
  public static Block block(String text, String label, String form, String source) {
    requireNonNull(label, "label");
    requireNonNull(form, "form");
    return blocks(text, source).stream()
        .filter(b -> b.label().equals(label))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    source
                        + ": "
                        + found(text)
                        + " (expected: a PEM '"
                        + label
                        + "' block, "
                        + form
                        + ")"));
  }

  /** A block of {@code der} labelled {@code label}, ending in a newline. */
  public static String encode(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + BODY.encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  /** Certificates as consecutive CERTIFICATE blocks, in order: a chain or a bundle. */
  public static String certificates(List<X509Certificate> certificates) {
    StringBuilder text = new StringBuilder();
    for (X509Certificate certificate : certificates) {
      try {
        text.append(encode(CERTIFICATE, certificate.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(
            "cannot encode " + certificate.getSubjectX500Principal(), e);
      }
    }
    return text.toString();
  }

  /** Every CERTIFICATE block of {@code text}, in order; at least one. */
  public static List<X509Certificate> certificates(String text, String source) {
    List<X509Certificate> certificates = new ArrayList<>();
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("X.509 is unavailable", e);
    }
    for (Block block : blocks(text, source)) {
      if (!block.label().equals(CERTIFICATE)) {
        continue;
      }
      try {
        for (Certificate certificate :
            factory.generateCertificates(new ByteArrayInputStream(block.der()))) {
          certificates.add((X509Certificate) certificate);
        }
      } catch (CertificateException e) {
        throw new IllegalArgumentException(
            source + ": a CERTIFICATE block is not an X.509 certificate: " + e.getMessage(), e);
      }
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(
          source + ": " + found(text) + " (expected: PEM BEGIN CERTIFICATE blocks)");
    }
    return List.copyOf(certificates);
  }

  /** PKCS#8 {@code PRIVATE KEY}; the caller drops the text once written. */
  public static String privateKey(PrivateKey key) {
    requireNonNull(key, "key");
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException(
          "key: format " + key.getFormat() + " (expected: PKCS#8, an exportable software key)");
    }
    byte[] der = key.getEncoded();
    try {
      return encode(PRIVATE_KEY, der);
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  /**
   * The one private key of {@code text}: PKCS#8, or the traditional EC and RSA forms. Refused:
   * none, two or more, encrypted.
   */
  public static PrivateKey privateKey(String text, String source) {
    List<Block> keys = blocks(text, source).stream().filter(Block::isPrivateKey).toList();
    try {
      if (keys.isEmpty()) {
        throw new IllegalArgumentException(
            source + ": " + found(text) + " (expected: PEM BEGIN PRIVATE KEY)");
      }
      if (keys.size() > 1) {
        throw new IllegalArgumentException(
            source + ": " + keys.size() + " private keys (expected: exactly one)");
      }
      Block key = keys.get(0);
      if (key.label().startsWith("ENCRYPTED")) {
        throw new IllegalArgumentException(source + ": " + ENCRYPTED);
      }
      return key.label().equals(PRIVATE_KEY) ? pkcs8(key.der(), source) : traditional(key, source);
    } finally {
      keys.forEach(block -> Arrays.fill(block.der(), (byte) 0));
    }
  }

  /** SubjectPublicKeyInfo {@code PUBLIC KEY}. */
  public static String publicKey(PublicKey key) {
    return encode(PUBLIC_KEY, requireNonNull(key, "key").getEncoded());
  }

  /** The first {@code PUBLIC KEY} block of {@code text}, a key of {@code algorithm} (EC, RSA). */
  public static PublicKey publicKey(String text, String algorithm, String source) {
    Block block = block(text, PUBLIC_KEY, "X.509 SubjectPublicKeyInfo", source);
    try {
      return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(block.der()));
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException(
          source
              + ": the 'PUBLIC KEY' block is not an "
              + algorithm
              + " public key (expected: "
              + algorithm
              + ")");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm + " is unavailable", e);
    }
  }

  private static PrivateKey pkcs8(byte[] der, String source) {
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(
        source + ": the 'PRIVATE KEY' block is not an EC, RSA or Ed25519 PKCS#8 key");
  }

  private static PrivateKey traditional(Block key, String source) {
    try (PEMParser parser = new PEMParser(new StringReader(key.text()))) {
      Object object = parser.readObject();
      if (object instanceof PEMKeyPair pair) {
        return new JcaPEMKeyConverter().getKeyPair(pair).getPrivate();
      }
    } catch (IOException e) {
      // Reported below without the parser's message, which may quote the bytes.
    }
    throw new IllegalArgumentException(
        source + ": the '" + key.label() + "' block is not a usable private key");
  }

  /** The bytes between a BEGIN and its END line, after any RFC 1421 headers. */
  private static byte[] body(String body, String label, String source) {
    String base64 = body;
    if (body.indexOf(':') >= 0) {
      if (body.contains("Proc-Type: 4,ENCRYPTED")) {
        throw new IllegalArgumentException(source + ": " + ENCRYPTED);
      }
      // Headers end at the first blank line (RFC 1421); the base64 follows.
      Matcher blank = BLANK_LINE.matcher(body);
      base64 = blank.find() ? body.substring(blank.end()) : body;
    }
    String notBase64 =
        source
            + ": the '"
            + label
            + "' block is not valid base64 (expected: base64 between the BEGIN and END lines)";
    if (!BASE64.matcher(base64).matches()) {
      throw new IllegalArgumentException(notBase64);
    }
    try {
      return Base64.getMimeDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      // Not chained: the block may be a key, and no part of it belongs in a log.
      throw new IllegalArgumentException(notBase64);
    }
  }

  private static String found(String text) {
    Matcher other = ANY_BEGIN.matcher(text);
    return other.find() ? "a PEM '" + other.group(1) + "' block" : "no PEM block";
  }

  /** US-ASCII text of file bytes: a binary (DER) file then reads as "no PEM block". */
  public static String text(byte[] bytes) {
    return new String(bytes, US_ASCII);
  }
}
