package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.status.Conditions;
import io.meshgate.xds.translate.Cases;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A group whose translation fails keeps its last good snapshot; the others move on. */
class LastKnownGoodTest {
  private static String config(String path) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec: {listeners: [{name: http, port: 80, protocol: HTTP}]}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web}
        spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          parentRefs: [{name: edge}, {group: meshgate.io, kind: Backend, name: web}]
          rules: [{matches: [{path: {type: PathPrefix, value: PATH}}], backendRefs: [{name: web}]}]
        """
        .replace("PATH", path);
  }

  private static GroupSnapshot group(SnapshotBuilder.Build build, String name) {
    return build.snapshots().stream().filter(s -> s.group().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aGroupThatFailsToTranslateKeepsItsLastGoodSnapshotAndItsGatewaySaysSo() {
    AtomicBoolean broken = new AtomicBoolean();
    SnapshotBuilder builder =
        new SnapshotBuilder(
            (group, keys, identities, cache) -> {
              if (broken.get() && group.name().equals("gateway/default/edge")) {
                throw new IllegalStateException("simulated translator bug");
              }
              return EnvoyTranslator.translate(group, keys, identities, cache);
            });
    SnapshotBuilder.Build good = builder.build(Inputs.withoutKeys(Cases.snapshot(config("/v1"))));
    GroupSnapshot lastGood = group(good, "gateway/default/edge");

    // when: the gateway's translation fails on the next config
    broken.set(true);
    SnapshotBuilder.Build failed = builder.build(Inputs.withoutKeys(Cases.snapshot(config("/v2"))));

    // then: its proxies keep the last good snapshot, versions and revision...
    GroupSnapshot kept = group(failed, "gateway/default/edge");
    assertThat(kept.type(TypeUrls.ROUTE).version())
        .isEqualTo(lastGood.type(TypeUrls.ROUTE).version());
    assertThat(kept.revision()).isEqualTo(lastGood.revision());
    // ...the other groups move on...
    assertThat(group(failed, "proxyless").type(TypeUrls.ROUTE).version())
        .isNotEqualTo(group(good, "proxyless").type(TypeUrls.ROUTE).version());
    // ...and the Gateway's ResolvedRefs says what happened
    assertThat(failed.resolved().failed()).containsExactly("gateway/default/edge");
    var gateway =
        Conditions.resolvedRefs(
                Cases.snapshot(config("/v2")).resources().values(), failed.resolved().problems())
            .entrySet()
            .stream()
            .filter(e -> e.getKey().name().equals("edge"))
            .findFirst()
            .orElseThrow()
            .getValue();
    assertThat(gateway.status()).isEqualTo(ConditionStatus.FALSE);
    assertThat(gateway.reason()).isEqualTo("TranslationFailed");
    assertThat(gateway.message()).contains("simulated translator bug").contains("last good config");

    // when the bug is gone: it translates again
    broken.set(false);
    SnapshotBuilder.Build fixed = builder.build(Inputs.withoutKeys(Cases.snapshot(config("/v3"))));
    assertThat(fixed.resolved().failed()).isEmpty();
    assertThat(group(fixed, "gateway/default/edge").type(TypeUrls.ROUTE).version())
        .isNotEqualTo(lastGood.type(TypeUrls.ROUTE).version());
  }

  @Test
  void aGroupHoldingAResourceEnvoyWouldRejectIsNotServedItAndItsGatewaySaysWhich() {
    // given: a translator that, once broken, adds a cluster whose port Envoy refuses
    AtomicBoolean broken = new AtomicBoolean();
    SnapshotBuilder builder =
        new SnapshotBuilder(
            (group, keys, identities, cache) -> {
              GroupResources resources = EnvoyTranslator.translate(group, keys, identities, cache);
              if (!broken.get() || !group.name().equals("gateway/default/edge")) {
                return resources;
              }
              List<EnvoyResource> clusters = new ArrayList<>(resources.clusters());
              clusters.add(new EnvoyResource("bad-port", "v1", Any.pack(badPort())));
              return new GroupResources(
                  resources.group(),
                  resources.listeners(),
                  resources.routes(),
                  clusters,
                  resources.endpoints(),
                  resources.secrets());
            });
    GroupSnapshot lastGood =
        group(
            builder.build(Inputs.withoutKeys(Cases.snapshot(config("/v1")))),
            "gateway/default/edge");

    // when
    broken.set(true);
    SnapshotBuilder.Build failed = builder.build(Inputs.withoutKeys(Cases.snapshot(config("/v2"))));

    // then: the proxies keep the last good snapshot, and the Gateway names the resource and rule
    assertThat(group(failed, "gateway/default/edge").type(TypeUrls.CLUSTER).version())
        .isEqualTo(lastGood.type(TypeUrls.CLUSTER).version());
    assertThat(failed.resolved().failed()).containsExactly("gateway/default/edge");
    assertThat(failed.resolved().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(ProblemReason.TRANSLATION_FAILED);
              assertThat(p.message())
                  .contains("Envoy would reject Cluster bad-port")
                  .contains("port_value")
                  .contains("uint32.lte")
                  .contains("last good config");
            });
  }

  /** A cluster with one endpoint on port 70000: Envoy's rule is port_value <= 65535. */
  private static Cluster badPort() {
    return Cluster.newBuilder()
        .setName("bad-port")
        .setConnectTimeout(Duration.newBuilder().setSeconds(1))
        .setLoadAssignment(
            ClusterLoadAssignment.newBuilder()
                .setClusterName("bad-port")
                .addEndpoints(
                    LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(
                            LbEndpoint.newBuilder()
                                .setEndpoint(
                                    Endpoint.newBuilder()
                                        .setAddress(
                                            Address.newBuilder()
                                                .setSocketAddress(
                                                    SocketAddress.newBuilder()
                                                        .setAddress("10.0.0.1")
                                                        .setPortValue(70_000)))))))
        .build();
  }
}
