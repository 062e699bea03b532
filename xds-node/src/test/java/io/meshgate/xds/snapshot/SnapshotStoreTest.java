package io.meshgate.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import io.meshgate.xds.envoy.Versions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The steps the store keeps between type versions: what a push compares. */
class SnapshotStoreTest {
  private static final String GROUP = "mesh/default";

  private final SnapshotStore store = new SnapshotStore();
  private final Map<String, String> endpoints = new TreeMap<>();
  private long revision;

  @Test
  void onlyTheBuildsThatChangedAGroupHoldEventsItsProxiesConvergeOn() {
    // given revision 1, then 2 and 3 with the same content, then 4 with a change
    publish(Map.of("a", "1"));
    publish(Map.of());
    publish(Map.of());
    publish(Map.of("a", "2"));

    // then a proxy that held revision 1 and now holds 4 converged on the events of build 4 only
    assertThat(store.changesBetween(GROUP, 1, 4))
        .containsExactly(new SnapshotStore.RevisionWindow(3, 4));
    // a proxy that joined at revision 2 too; one that joined at 0 also on build 1's
    assertThat(store.changesBetween(GROUP, 2, 4))
        .containsExactly(new SnapshotStore.RevisionWindow(3, 4));
    assertThat(store.changesBetween(GROUP, 0, 4))
        .containsExactly(
            new SnapshotStore.RevisionWindow(0, 1), new SnapshotStore.RevisionWindow(3, 4));
    assertThat(store.changesBetween(GROUP, 4, 4)).isEmpty();
    assertThat(store.changesBetween("another/group", 0, 4)).isEmpty();
  }

  @Test
  void aGroupKeepsItsLastChangesOnly() {
    for (int i = 0; i < SnapshotStore.CHANGES_KEPT + 5; i++) {
      publish(Map.of("a", Integer.toString(i)));
    }

    assertThat(store.changesBetween(GROUP, 0, revision)).hasSize(SnapshotStore.CHANGES_KEPT);
    assertThat(store.changesBetween(GROUP, 0, revision).get(0).after()).isEqualTo(5);
  }

  @Test
  void aStepNamesTheAddedChangedAndRemovedResources() {
    // given
    String first = publish(Map.of("a", "1", "b", "1", "c", "1"));

    // when
    endpoints.remove("c");
    String second = publish(Map.of("b", "2", "d", "1"));

    // then
    assertThat(store.changedBetween(GROUP, TypeUrls.ENDPOINT, first, second))
        .hasValueSatisfying(names -> assertThat(names).containsExactly("b", "c", "d"));
  }

  @Test
  void stepsChainAndAVersionNotKeptIsUnknown() {
    // given
    String first = publish(Map.of("a", "1", "b", "1"));
    String second = publish(Map.of("a", "2"));
    String third = publish(Map.of("b", "2"));

    // then
    assertThat(store.changedBetween(GROUP, TypeUrls.ENDPOINT, first, third))
        .hasValueSatisfying(names -> assertThat(names).containsExactly("a", "b"));
    assertThat(store.changedBetween(GROUP, TypeUrls.ENDPOINT, second, third))
        .hasValueSatisfying(names -> assertThat(names).containsExactly("b"));
    assertThat(store.changedBetween(GROUP, TypeUrls.ENDPOINT, first, second)).isEmpty();
    assertThat(store.changedBetween(GROUP, TypeUrls.ENDPOINT, "unknown", third)).isEmpty();
  }

  @Test
  void aTypeThatDidNotChangeKeepsItsSteps() {
    // given
    String first = publish(Map.of("a", "1"));
    String second = publish(Map.of("a", "2"));

    // when: only the clusters change
    publish(Map.of(), Map.of("c", "1"));

    // then
    assertThat(store.changedBetween(GROUP, TypeUrls.ENDPOINT, first, second))
        .hasValueSatisfying(names -> assertThat(names).containsExactly("a"));
  }

  @Test
  void onlyTheLastStepsAreKept() {
    // given
    String first = publish(Map.of("a", "0"));
    String last = first;

    // when
    for (int i = 1; i <= SnapshotStore.STEPS_KEPT + 1; i++) {
      last = publish(Map.of("a", Integer.toString(i)));
    }

    // then
    assertThat(store.changedBetween(GROUP, TypeUrls.ENDPOINT, first, last)).isEmpty();
  }

  private String publish(Map<String, String> changed) {
    return publish(changed, Map.of());
  }

  /** Applies {@code changed} to the endpoints; returns the endpoint type's new version. */
  private String publish(Map<String, String> changed, Map<String, String> clusters) {
    endpoints.putAll(changed);
    GroupSnapshot snapshot =
        new GroupSnapshot(
            GROUP,
            ++revision,
            Map.of(
                TypeUrls.ENDPOINT,
                type(TypeUrls.ENDPOINT, endpoints),
                TypeUrls.CLUSTER,
                type(TypeUrls.CLUSTER, clusters)));
    store.replaceAll(List.of(snapshot), revision);
    return snapshot.type(TypeUrls.ENDPOINT).version();
  }

  private static TypeResources type(String typeUrl, Map<String, String> contents) {
    TreeMap<String, VersionedResource> resources = new TreeMap<>();
    List<String> versions = new ArrayList<>();
    contents.forEach(
        (name, content) -> {
          Any any = Any.pack(StringValue.of(name + ":" + content));
          String version = Versions.of(any);
          resources.put(name, new VersionedResource(name, version, any));
          versions.add(name + "=" + version);
        });
    return new TypeResources(typeUrl, Versions.ofVersions(versions), resources);
  }
}
