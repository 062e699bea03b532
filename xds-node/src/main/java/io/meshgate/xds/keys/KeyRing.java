package io.meshgate.xds.keys;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;

/**
 * The key material of every certificate reference a config makes, at one moment: immutable data
 * that {@code resolve} and {@code envoy} read without I/O. Made by {@link KeyLoader}; equal rings
 * give equal translations. {@link #toString()} shows no key byte.
 */
public final class KeyRing {
  private static final KeyRing EMPTY = new KeyRing(Map.of());

  private final Map<KeyRef, KeyMaterial> entries;

  private KeyRing(Map<KeyRef, KeyMaterial> entries) {
    this.entries = Map.copyOf(entries);
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
    long opened = entries.values().stream().filter(KeyMaterial.Opened.class::isInstance).count();
    return "KeyRing[" + opened + " opened, " + (entries.size() - opened) + " unavailable]";
  }
}
