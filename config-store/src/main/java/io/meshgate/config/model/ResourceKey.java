package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;

/**
 * A resource's identity: kind, namespace and name. {@link #toString()} gives the {@code
 * Kind/namespace/name} form used in {@code ce_subject} headers and messages.
 */
public record ResourceKey(Kind kind, String namespace, String name)
    implements Comparable<ResourceKey> {
  private static final Comparator<ResourceKey> ORDER =
      Comparator.comparing(ResourceKey::kind)
          .thenComparing(ResourceKey::namespace)
          .thenComparing(ResourceKey::name);

  public ResourceKey {
    requireNonNull(kind, "kind");
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
  }

  /** Parses {@code Kind/namespace/name}; the kind by its exact wire name. */
  public static ResourceKey parse(String subject) {
    String[] parts = subject.split("/", -1);
    if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
      throw new IllegalArgumentException(
          "subject: '" + subject + "' (expected: Kind/namespace/name)");
    }
    return new ResourceKey(Kind.fromWireName(parts[0]), parts[1], parts[2]);
  }

  @Override
  public int compareTo(ResourceKey other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return kind.wireName() + "/" + namespace + "/" + name;
  }
}
