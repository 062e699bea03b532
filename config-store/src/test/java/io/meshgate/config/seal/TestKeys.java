package io.meshgate.config.seal;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;

/** Key pairs shared by the tests of this package: one test JVM generates each once. */
final class TestKeys {
  /** The cluster pair, at the production size (about a second to generate). */
  static final SealKeyPair CLUSTER = SealKeyPair.generate();

  /** Another cluster's pair; 2048 bits is enough and quicker. */
  static final SealKeyPair OTHER = SealKeyPair.generate(2048);

  private TestKeys() {}

  /** Keys this package must refuse; generated with the JDK because SealKeyPair won't. */
  static KeyPair rsa1024() {
    return generate("RSA", 1024);
  }

  static KeyPair ec256() {
    return generate("EC", 256);
  }

  private static KeyPair generate(String algorithm, int bits) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      generator.initialize(bits);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
