package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A resource's identity and bookkeeping. {@code uid}, {@code generation} and {@code
 * resourceVersion} are the applier's: values a user sends are replaced. {@code generation} starts
 * at 1 and grows only when the spec changes; {@code resourceVersion} is the etcd mod revision.
 */
public record ObjectMeta(
    String name,
    String namespace,
    Map<String, String> labels,
    Map<String, String> annotations,
    String uid,
    Long generation,
    String creationTimestamp,
    Long resourceVersion) {
  public static final String DEFAULT_NAMESPACE = "default";

  public ObjectMeta {
    requireNonNull(name, "name");
    namespace = namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
    labels = Copies.map(labels);
    annotations = Copies.map(annotations);
  }

  public static ObjectMeta of(String namespace, String name) {
    return new ObjectMeta(name, namespace, null, null, null, null, null, null);
  }

  /** The same identity and labels without the applier's bookkeeping. */
  public ObjectMeta withoutBookkeeping() {
    return new ObjectMeta(name, namespace, labels, annotations, null, null, null, null);
  }

  public ObjectMeta withBookkeeping(String uid, long generation, long resourceVersion) {
    return new ObjectMeta(
        name, namespace, labels, annotations, uid, generation, creationTimestamp, resourceVersion);
  }

  /** The same metadata with another resourceVersion (null: none, as stored). */
  public ObjectMeta withResourceVersion(@Nullable Long resourceVersion) {
    return new ObjectMeta(
        name, namespace, labels, annotations, uid, generation, creationTimestamp, resourceVersion);
  }
}
