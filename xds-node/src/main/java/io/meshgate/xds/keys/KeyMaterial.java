package io.meshgate.xds.keys;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeSet;

/** What a {@link KeyRing} holds for one reference: opened material, or why there is none. */
public sealed interface KeyMaterial {
  /**
   * A certificate chain and its private key, both PEM. {@link #toString()} shows no key byte.
   *
   * @param fingerprint SHA-256 (hex) of what the material was read from (a file's bytes, or the
   *     chain and the unsealed key): a change on disk is a change of fingerprint
   */
  record Opened(String fingerprint, String chainPem, String keyPem) implements KeyMaterial {
    public Opened {
      requireNonNull(fingerprint, "fingerprint");
      requireNonNull(chainPem, "chainPem");
      requireNonNull(keyPem, "keyPem");
    }

    @Override
    public String toString() {
      return "Opened[" + fingerprint + ", chain " + chainPem.length() + " chars, key redacted]";
    }
  }

  /**
   * The unsealed values of an Opaque Secret, by key. {@link #toString()} names the keys only.
   *
   * @param fingerprint SHA-256 (hex) over the Secret's sealed envelope, never over the values: an
   *     API key or a password may be short enough to guess, and a hash of it in the IR or {@code
   *     /debug} would let anyone check a guess offline. Every replica reads the same envelope, so
   *     the fingerprint (and the versions it goes into) agree; a changed value is a new envelope,
   *     and so is the same value sealed again (one extra push, never a missed one)
   */
  record Values(String fingerprint, Map<String, SecretValue> values) implements KeyMaterial {
    public Values {
      requireNonNull(fingerprint, "fingerprint");
      values = Map.copyOf(values);
    }

    @Override
    public String toString() {
      return "Values[" + fingerprint + ", keys " + new TreeSet<>(values.keySet()) + "]";
    }
  }

  /** No material: the message says why, never with key bytes, and never names a refused file. */
  record Unavailable(Reason reason, String message) implements KeyMaterial {
    public Unavailable {
      requireNonNull(reason, "reason");
      requireNonNull(message, "message");
    }
  }

  /** Why a reference has no material, as the Gateway API reason of the refused reference. */
  enum Reason {
    /** It names something that exists but cannot be served (no seal key, no PEM key, ...). */
    INVALID_CERTIFICATE_REF("InvalidCertificateRef"),
    /** It names a file this replica is not permitted to read (or none: the answer is the same). */
    REF_NOT_PERMITTED("RefNotPermitted");

    private final String wireName;

    Reason(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }
}
