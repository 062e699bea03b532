package io.meshgate.config.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecretType;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ConfigSnapshotTest {
  private static Resource backend(String namespace, String name) {
    return Resource.of(
        Kind.BACKEND,
        ObjectMeta.of(namespace, name),
        new BackendSpec(
            null, null, null, null, new DnsSource(name + ".example.com", 443), null, null));
  }

  private static Resource secret(String namespace, String name) {
    return Resource.of(
        Kind.SECRET, ObjectMeta.of(namespace, name), new SecretSpec(SecretType.OPAQUE, null, null));
  }

  private static ConfigSnapshot snapshotOf(Resource... resources) {
    Map<ResourceKey, Resource> byKey = new HashMap<>();
    for (Resource resource : resources) {
      byKey.put(resource.key(), resource);
    }
    return new ConfigSnapshot(7, new TreeMap<>(byKey));
  }

  @Test
  void ofKindListsOneKindSortedByNamespaceThenName() {
    // given
    ConfigSnapshot snapshot =
        snapshotOf(
            backend("shop", "b"),
            secret("shop", "s"),
            backend("bank", "z"),
            backend("shop", "a"),
            secret("bank", "t"));

    // when / then
    assertThat(snapshot.ofKind(Kind.BACKEND))
        .extracting(Resource::key)
        .containsExactly(
            new ResourceKey(Kind.BACKEND, "bank", "z"),
            new ResourceKey(Kind.BACKEND, "shop", "a"),
            new ResourceKey(Kind.BACKEND, "shop", "b"));
    // Secret is the last kind: its range runs to the end of the map.
    assertThat(snapshot.ofKind(Kind.SECRET))
        .extracting(Resource::key)
        .containsExactly(
            new ResourceKey(Kind.SECRET, "bank", "t"), new ResourceKey(Kind.SECRET, "shop", "s"));
    assertThat(snapshot.ofKind(Kind.GATEWAY)).isEmpty();
    assertThat(snapshot.size()).isEqualTo(5);
  }

  @Test
  void getFindsByKey() {
    // given
    Resource api = backend("shop", "api");
    ConfigSnapshot snapshot = snapshotOf(api);

    // when / then
    assertThat(snapshot.get(api.key())).contains(api);
    assertThat(snapshot.get(new ResourceKey(Kind.BACKEND, "shop", "other"))).isEmpty();
    assertThat(snapshot.get(new ResourceKey(Kind.SECRET, "shop", "api"))).isEmpty();
  }

  @Test
  void theSnapshotIsACopyNobodyCanChange() {
    // given
    TreeMap<ResourceKey, Resource> source = new TreeMap<>();
    Resource api = backend("shop", "api");
    source.put(api.key(), api);

    // when
    ConfigSnapshot snapshot = new ConfigSnapshot(3, source);
    source.clear();

    // then
    assertThat(snapshot.size()).isEqualTo(1);
    assertThatThrownBy(() -> snapshot.resources().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(ConfigSnapshot.empty().revision()).isZero();
    assertThat(ConfigSnapshot.empty().size()).isZero();
    assertThatThrownBy(() -> new ConfigSnapshot(-1, source))
        .hasMessage("revision: -1 (expected: >= 0)");
  }
}
