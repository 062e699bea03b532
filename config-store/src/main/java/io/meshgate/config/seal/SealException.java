package io.meshgate.config.seal;

/**
 * Sealed data that cannot be opened: an unknown algorithm, a different key, bad base64, or a value
 * that was altered or moved to another Secret or key. Messages name the Secret and the value key
 * and say what to do; they never contain plaintext or key material.
 */
public final class SealException extends RuntimeException {
  SealException(String message) {
    super(message);
  }

  SealException(String message, Throwable cause) {
    super(message, cause);
  }
}
