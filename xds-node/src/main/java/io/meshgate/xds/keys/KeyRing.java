package io.meshgate.xds.keys;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The key material of every certificate reference a config makes, at one moment: immutable data
 * that {@code resolve} and {@code envoy} read without I/O. Made by {@link KeyLoader}; equal rings
 * give equal translations. {@link #toString()} shows no key byte.
 */
public final class KeyRing {
  private static final KeyRing EMPTY = new KeyRing(Map.of());

  private final Map<KeyRef, KeyMaterial> entries;
  private final Map<ValuesKey, KeyMaterial.Values> valuesByFingerprint = new HashMap<>();

  /** An Opaque Secret's opened values as the IR names them: no sealed data, the fingerprint. */
  private record ValuesKey(String namespace, String secretName, String fingerprint) {}

  private KeyRing(Map<KeyRef, KeyMaterial> entries) {
    this.entries = Map.copyOf(entries);
    this.entries.forEach(
        (ref, material) -> {
          if (ref instanceof KeyRef.SealedValues sealed
              && material instanceof KeyMaterial.Values values) {
            valuesByFingerprint.put(
                new ValuesKey(sealed.namespace(), sealed.secretName(), values.fingerprint()),
                values);
          }
        });
  }

  /** A ring holding nothing: every reference is unavailable. */
  public static KeyRing empty() {
    return EMPTY;
  }

  /** A ring of exactly these entries (for the loader, and for tests that need a fixed ring). */
  public static KeyRing of(Map<KeyRef, KeyMaterial> entries) {
    return new KeyRing(new HashMap<>(requireNonNull(entries, "entries")));
  }

  /** The material of a reference; a reference the loader was not asked for is unavailable. */
  public KeyMaterial get(KeyRef ref) {
    KeyMaterial material = entries.get(ref);
    return material != null
        ? material
        : new KeyMaterial.Unavailable(
            KeyMaterial.Reason.INVALID_CERTIFICATE_REF, "its key material was not loaded");
  }

  /**
   * The opened values of an Opaque Secret, by its name and the fingerprint resolve recorded (the IR
   * holds no sealed data); empty when the ring holds no such values.
   */
  public Optional<KeyMaterial.Values> values(
      String namespace, String secretName, String fingerprint) {
    return Optional.ofNullable(
        valuesByFingerprint.get(new ValuesKey(namespace, secretName, fingerprint)));
  }

  public int size() {
    return entries.size();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KeyRing ring && entries.equals(ring.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    // A certificate's material and a Secret's values both count as opened.
    long opened =
        entries.values().stream().filter(m -> !(m instanceof KeyMaterial.Unavailable)).count();
    return "KeyRing[" + opened + " opened, " + (entries.size() - opened) + " unavailable]";
  }
}
