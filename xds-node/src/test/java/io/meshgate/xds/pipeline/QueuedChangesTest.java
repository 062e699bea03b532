package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.translate.Cases;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Changes that come while a build runs wait on the pipeline's thread; once it is over they make one
 * more build, not one each — even when the build took longer than the holdoff's leading edge, after
 * which a change is built at once (issue 24: a 1.3-s mesh build made four rebuilds of inputs the
 * first of them had read).
 */
class QueuedChangesTest {
  private static final String GATEWAY =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: edge}
      spec: {listeners: [{name: http, port: 80, protocol: HTTP}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: web}
      spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
      """;

  @Test
  void changesThatCameDuringABuildMakeOneMoreBuildNotOneEach() throws Exception {
    SnapshotStore store = new SnapshotStore();
    List<Long> builtRevisions = new CopyOnWriteArrayList<>();
    CountDownLatch firstBuildRunning = new CountDownLatch(1);
    CountDownLatch releaseFirstBuild = new CountDownLatch(1);
    // A 1-ms holdoff: a build that outlasts it makes the next change a leading edge, built at once.
    try (Pipeline pipeline = new Pipeline(store, Duration.ofMillis(1), Duration.ofMillis(1))) {
      pipeline.onBuilt(
          (config, resolved, discovered) -> {
            builtRevisions.add(config.revision());
            if (config.revision() == 1) {
              firstBuildRunning.countDown();
              try {
                releaseFirstBuild.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          });

      // given: a build that runs (held on the pipeline's thread)
      pipeline.accept(revision(1));
      assertThat(firstBuildRunning.await(30, TimeUnit.SECONDS)).isTrue();

      // when: five changes come meanwhile, then the build ends
      for (long revision = 2; revision <= 6; revision++) {
        pipeline.accept(revision(revision));
      }
      releaseFirstBuild.countDown();
      await().until(() -> builtRevisions.contains(6L));
      // and a later change (its wake-up queues behind whatever the five left to do)
      pipeline.accept(revision(7));
      await().until(() -> builtRevisions.contains(7L));

      // then: the five made one build between the two, not one each of the same input
      assertThat(builtRevisions).containsExactly(1L, 6L, 7L);
    }
  }

  private static ConfigSnapshot revision(long revision) {
    return new ConfigSnapshot(revision, Cases.snapshot(GATEWAY).resources());
  }
}
