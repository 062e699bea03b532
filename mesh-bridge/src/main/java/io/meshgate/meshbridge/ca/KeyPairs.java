package io.meshgate.meshbridge.ca;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;

/** EC P-256 key pairs: fresh ones, and ones derived from a secret and a label. */
public final class KeyPairs {
  /** The only curve meshgate issues: P-256, what Envoy, gRPC and every SPIFFE peer accept. */
  public static final String CURVE = "secp256r1";

  private static final X9ECParameters CURVE_MATH = CustomNamedCurves.getByName(CURVE);
  private static final ECParameterSpec CURVE_SPEC = curveSpec();

  private KeyPairs() {}

  /** A new P-256 key pair. */
  public static KeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(CURVE), requireNonNull(random, "random"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC " + CURVE + " is unavailable", e);
    }
  }

  /**
   * The P-256 key pair that {@code secret} and {@code label} name: the same pair on every call and
   * every machine, and a different one for every label. The private scalar is HMAC-SHA256 of the
   * label under the secret, expanded to 384 bits and reduced into [1, n-1]; learning a derived key
   * teaches nothing about the secret or about the keys of other labels.
   */
  public static KeyPair derive(byte[] secret, String label) {
    requireNonNull(secret, "secret");
    requireNonNull(label, "label");
    if (secret.length < 32) {
      throw new IllegalArgumentException(
          "secret: " + secret.length + " bytes (expected: at least 32)");
    }
    byte[] wide = new byte[48];
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] first = mac.doFinal(("1|" + label).getBytes(StandardCharsets.UTF_8));
      byte[] second = mac.doFinal(("2|" + label).getBytes(StandardCharsets.UTF_8));
      System.arraycopy(first, 0, wide, 0, 32);
      System.arraycopy(second, 0, wide, 32, 16);
      Arrays.fill(first, (byte) 0);
      Arrays.fill(second, (byte) 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
    BigInteger order = CURVE_MATH.getN();
    BigInteger d = new BigInteger(1, wide).mod(order.subtract(BigInteger.ONE)).add(BigInteger.ONE);
    Arrays.fill(wide, (byte) 0);
    org.bouncycastle.math.ec.ECPoint q = CURVE_MATH.getG().multiply(d).normalize();
    try {
      KeyFactory factory = KeyFactory.getInstance("EC");
      return new KeyPair(
          factory.generatePublic(
              new ECPublicKeySpec(
                  new ECPoint(
                      q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                  CURVE_SPEC)),
          factory.generatePrivate(new ECPrivateKeySpec(d, CURVE_SPEC)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make an EC " + CURVE + " key", e);
    }
  }

  private static ECParameterSpec curveSpec() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec(CURVE));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC " + CURVE + " is unavailable", e);
    }
  }
}
