package io.meshgate.config.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Backends in one namespace that pass gRPC's 4 MiB limit on a response together (twelve of 450 KiB,
 * {@code b00} to {@code b11}), written straight to etcd, and one change to the last of them.
 */
final class LargeConfig {
  static final int COUNT = 12;
  private static final int ANNOTATION_BYTES = 450 * 1024;

  private final KV kv;
  private final String namespace;
  private final TreeMap<ResourceKey, Resource> stored = new TreeMap<>();

  LargeConfig(KV kv, String namespace) {
    this.kv = kv;
    this.namespace = namespace;
  }

  /** Writes the twelve; returns them as stored (resourceVersion set), in key order. */
  TreeMap<ResourceKey, Resource> write() throws Exception {
    for (int i = 0; i < COUNT; i++) {
      Resource resource = backend(String.format("b%02d", i), ANNOTATION_BYTES);
      long revision =
          kv.put(path(resource.key()), value(resource))
              .get(10, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      stored.put(resource.key(), stored(resource, revision));
    }
    return new TreeMap<>(stored);
  }

  /**
   * In one transaction, so at one revision (the future's value): b10 deleted, b11 made small and a
   * new c00, all at the end of the key order, where a list's later pages read.
   */
  CompletableFuture<Long> change() {
    Resource b11 = backend("b11", 0);
    Resource c00 = backend("c00", 0);
    return kv.txn()
        .Then(
            Op.delete(path(key("b10")), DeleteOption.DEFAULT),
            Op.put(path(b11.key()), value(b11), PutOption.DEFAULT),
            Op.put(path(c00.key()), value(c00), PutOption.DEFAULT))
        .commit()
        .thenApply(response -> response.getHeader().getRevision());
  }

  /** What {@link #change()} made of the written twelve, at its revision. */
  TreeMap<ResourceKey, Resource> changed(long revision) {
    TreeMap<ResourceKey, Resource> changed = new TreeMap<>(stored);
    changed.remove(key("b10"));
    changed.put(key("b11"), stored(backend("b11", 0), revision));
    changed.put(key("c00"), stored(backend("c00", 0), revision));
    return changed;
  }

  /**
   * Name to resourceVersion, in the given order: what tells the states apart, short enough for a
   * failure message (the resources themselves print half a MiB each).
   */
  static Map<String, Long> versions(Collection<Resource> resources) {
    Map<String, Long> versions = new LinkedHashMap<>();
    resources.forEach(r -> versions.put(r.metadata().name(), r.metadata().resourceVersion()));
    return versions;
  }

  private ResourceKey key(String name) {
    return new ResourceKey(Kind.BACKEND, namespace, name);
  }

  private Resource backend(String name, int annotationBytes) {
    Map<String, String> annotations =
        annotationBytes == 0 ? Map.of() : Map.of("example.com/blob", "x".repeat(annotationBytes));
    return Resource.of(
        Kind.BACKEND,
        new ObjectMeta(name, namespace, null, annotations, "uid-" + name, 1L, null, null),
        new BackendSpec(
            null, null, null, null, new DnsSource(name + ".example.com", 80), null, null));
  }

  private static Resource stored(Resource resource, long revision) {
    return resource.withMetadata(resource.metadata().withResourceVersion(revision));
  }

  private static ByteSequence path(ResourceKey key) {
    return ByteSequence.from(Keyspace.resource(key), UTF_8);
  }

  private static ByteSequence value(Resource resource) {
    return ByteSequence.from(StoredValues.resource(resource));
  }
}
