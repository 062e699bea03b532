package io.meshgate.xds.status;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.EndpointSourceStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoreReader;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.translate.Cases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The status leader on a real etcd, reading more than gRPC's 4 MiB limit on one response. */
class StatusWriterIT {
  // Local: the writer reads and deletes under the whole acks/ and conditions/ prefixes.
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(1);

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String CONDITIONS = Keyspace.ROOT + "conditions/";
  private static final long GRPC_LIMIT = 4 * 1024 * 1024;

  private Leadership leadership;
  private StatusWriter writer;

  @BeforeEach
  void startClean() throws Exception {
    kv().delete(bytes(Keyspace.ROOT), DeleteOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    if (writer != null) {
      writer.close();
    }
    if (leadership != null) {
      leadership.close();
    }
  }

  @Test
  void theLeaderReconcilesWhenTheFleetsAckSummariesPassTheLimit() throws Exception {
    // given: four replicas' summaries of 12,000 proxies each, and the conditions of a resource
    // that is gone
    long bytes = 0;
    for (int r = 0; r < 4; r++) {
      bytes += put(Keyspace.acks("replica-" + r, "default"), summary("replica-" + r, 12_000));
    }
    assertThat(bytes).as("the summaries' bytes").isGreaterThan(GRPC_LIMIT);
    put(Keyspace.conditions(backend("gone")), conditions(""));

    // when
    leadAndOfferAnEmptyConfig();

    // then: the gone resource's conditions are deleted
    await().atMost(WAIT).until(() -> storedConditions() == 0);
  }

  @Test
  void everyTransactionWritingConditionsNamesItsWriterAndTerm() throws Exception {
    // given
    ConfigSnapshot config =
        Cases.snapshot(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: web, namespace: shop}
            spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
            """);
    lead();

    // when the leader writes the Backend's conditions
    writer.offer(config, NOTHING);
    await().atMost(WAIT).until(() -> storedConditions() == 1);

    // then the same transaction (one revision) put the stamp: this replica and its term
    Map<String, KeyValue> stored = new HashMap<>();
    for (KeyValue kv :
        kv().get(bytes(Keyspace.ROOT), GetOption.builder().isPrefix(true).build())
            .get(10, TimeUnit.SECONDS)
            .getKvs()) {
      stored.put(kv.getKey().toString(UTF_8), kv);
    }
    KeyValue stamp = stored.get(Keyspace.CONDITIONS_WRITER);
    JsonNode written = Mappers.json().readTree(stamp.getValue().getBytes());
    assertThat(written.path("replica").asText()).isEqualTo("a");
    assertThat(written.path("term").asLong())
        .isEqualTo(stored.get(Keyspace.LEADER).getCreateRevision())
        .isEqualTo(leadership.term());
    assertThat(stamp.getModRevision())
        .isEqualTo(stored.get(Keyspace.conditions(backend("web"))).getModRevision());
  }

  @Test
  void theLeaderReconcilesWhenTheStoredConditionsPassTheLimit() throws Exception {
    // given: the conditions of twelve resources that are gone, with 450 KiB messages
    long bytes = 0;
    for (int i = 0; i < 12; i++) {
      bytes += put(Keyspace.conditions(backend("gone-" + i)), conditions("x".repeat(450 * 1024)));
    }
    assertThat(bytes).as("the conditions' bytes").isGreaterThan(GRPC_LIMIT);

    // when
    leadAndOfferAnEmptyConfig();

    // then: they are all deleted
    await().atMost(WAIT).until(() -> storedConditions() == 0);
  }

  @Test
  void aBackendsSourcesAreWrittenBesideItsConditionsAndFollowTheirChanges() throws Exception {
    // given: a Backend fed by Consul, whose source answered at index 42 with 2 endpoints, 1 healthy
    ConfigSnapshot config =
        Cases.snapshot(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: web, namespace: shop}
            spec: {consul: {service: web}}
            """);
    ResourceKey web = backend("web");
    Instant changed = Instant.parse("2026-12-06T18:00:00.250Z");
    lead();
    StoreReader reader = new StoreReader(etcd.client(), Duration.ofSeconds(10));

    // when
    writer.offer(config, NOTHING, discovered(web, 42, changed, null));

    // then: the source beside the conditions, times in seconds
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(reader.endpointSources(web))
                    .containsExactly(
                        new EndpointSourceStatus(
                            "consul/local/web", 2, 1, 42L, "2026-12-06T18:00:00Z", null)));
    assertThat(reader.conditions(web))
        .extracting(Condition::type)
        .contains(Conditions.ENDPOINTS_STALE);

    // when the source stops answering
    Instant stale = Instant.parse("2026-12-06T18:05:00Z");
    writer.offer(config, NOTHING, discovered(web, 42, changed, stale));

    // then
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(reader.endpointSources(web))
                    .extracting(EndpointSourceStatus::staleSince)
                    .containsExactly("2026-12-06T18:05:00Z"));
  }

  @Test
  void aSecurityPolicysWafRuleSetIsWrittenAndGoesWhenThePolicyNoLongerSetsWaf() throws Exception {
    // given a policy whose WAF is in force on a route
    String gateway =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec:
          listeners: [{name: web, port: 80, protocol: HTTP}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: app}
        spec:
          static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop}
        spec:
          parentRefs: [{name: edge}]
          rules: [{backendRefs: [{name: app}]}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: edge-policy}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
        """;
    Cases.Translated withWaf = Cases.translate(gateway + "  waf: {mode: DetectionOnly}\n");
    ResourceKey policy = new ResourceKey(Kind.SECURITY_POLICY, "default", "edge-policy");
    lead();
    StoreReader reader = new StoreReader(etcd.client(), Duration.ofSeconds(10));

    // when
    writer.offer(withWaf.inputs().config(), withWaf.ir());

    // then
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(reader.conditions(policy))
                    .filteredOn(c -> c.type().equals(WafStatus.WAF_RULE_SET))
                    .singleElement()
                    .satisfies(
                        c -> {
                          assertThat(c.status()).isEqualTo(ConditionStatus.TRUE);
                          assertThat(c.reason()).isEqualTo("DetectionOnly");
                        }));

    // when the policy keeps only its address rules
    Cases.Translated without = Cases.translate(gateway + "  ipAccess: {deny: [203.0.113.0/24]}\n");
    writer.offer(without.inputs().config(), without.ir());

    // then the stale rule set goes, and the other conditions stay
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(reader.conditions(policy))
                    .extracting(Condition::type)
                    .doesNotContain(WafStatus.WAF_RULE_SET)
                    .contains(Conditions.RESOLVED_REFS));
  }

  private static final ResolvedIr NOTHING = new ResolvedIr(List.of(), List.of());

  private static EndpointDiscovery.Discovered discovered(
      ResourceKey backend, long index, Instant changed, Instant staleSince) {
    return new EndpointDiscovery.Discovered(
        EndpointSnapshot.empty(),
        Map.of(
            backend,
            new EndpointDiscovery.SourceState(
                "consul/local/web",
                index,
                changed,
                staleSince,
                staleSince == null ? null : "down")),
        Map.of(
            backend,
            List.of(
                new EndpointDiscovery.SourceSummary(
                    "consul/local/web", 2, 1, index, changed, staleSince))));
  }

  private void lead() {
    leadership = new Leadership(etcd.client(), Keyspace.LEADER, "a", Duration.ofSeconds(10));
    leadership.start();
    await().atMost(WAIT).until(leadership::leading);
    writer = new StatusWriter(etcd.client(), leadership, Clock.systemUTC());
  }

  private void leadAndOfferAnEmptyConfig() {
    leadership = new Leadership(etcd.client(), Keyspace.LEADER, "a", Duration.ofSeconds(10));
    leadership.start();
    await().atMost(WAIT).until(leadership::leading);
    writer = new StatusWriter(etcd.client(), leadership, Clock.systemUTC());
    writer.offer(ConfigSnapshot.empty(), new ResolvedIr(List.of(), List.of()));
  }

  private static ResourceKey backend(String name) {
    return new ResourceKey(Kind.BACKEND, "shop", name);
  }

  /** An AckReporter's summary of one group with {@code proxies} proxies, all ACKed. */
  private static String summary(String replica, int proxies) {
    ObjectNode root = Mappers.json().createObjectNode();
    root.put("replica", replica).put("group", "default").put("connected", proxies);
    ArrayNode list = root.putArray("proxies");
    for (int i = 0; i < proxies; i++) {
      list.addObject()
          .put("node", String.format("%s-proxy-%05d", replica, i))
          .put("state", "ACKED")
          .put("ackedRevision", 1)
          .put("typeUrl", "")
          .put("errorDetail", "");
    }
    return root.toString();
  }

  private static String conditions(String message) throws Exception {
    ObjectNode root = Mappers.json().createObjectNode();
    root.set(
        "conditions",
        Mappers.json()
            .valueToTree(
                List.of(
                    new Condition(
                        "Programmed",
                        ConditionStatus.FALSE,
                        "Pending",
                        message,
                        1L,
                        "2024-01-01T00:00:00Z"))));
    return root.toString();
  }

  private static long storedConditions() throws Exception {
    return kv().get(
            bytes(CONDITIONS), GetOption.builder().isPrefix(true).withCountOnly(true).build())
        .get(10, TimeUnit.SECONDS)
        .getCount();
  }

  /** Puts a value; returns its size. */
  private static long put(String key, String value) throws Exception {
    ByteSequence bytes = bytes(value);
    kv().put(bytes(key), bytes).get(10, TimeUnit.SECONDS);
    return bytes.size();
  }

  private static KV kv() {
    return etcd.client().getKVClient();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, UTF_8);
  }
}
