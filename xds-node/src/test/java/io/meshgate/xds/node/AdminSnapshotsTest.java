package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.Versions;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminSnapshotsTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aGroupsResourcesAreListedByNameAndVersionWithoutTheirContent() throws Exception {
    // given: a group with two clusters
    Cluster a = Cluster.newBuilder().setName("ns/a").build();
    Cluster b = Cluster.newBuilder().setName("ns/b").setAltStatName("secret-looking").build();
    SnapshotStore store = new SnapshotStore();
    store.replaceAll(
        List.of(
            GroupSnapshot.of(
                new GroupResources(
                    "gateway/ns/edge",
                    List.of(),
                    List.of(),
                    List.of(resource(a), resource(b)),
                    List.of(),
                    List.of()),
                7)));

    try (AdminServer admin =
        new AdminServer(
            new InetSocketAddress("127.0.0.1", 0),
            Optional::empty,
            store,
            new AdsService(store),
            Optional.empty())) {
      // when
      HttpResponse<String> group = get(admin, "/debug/snapshots?group=gateway%2Fns%2Fedge");
      HttpResponse<String> unknown = get(admin, "/debug/snapshots?group=gateway/ns/other");
      HttpResponse<String> all = get(admin, "/debug/snapshots");

      // then
      assertThat(group.statusCode()).isEqualTo(200);
      JsonNode body = Mappers.json().readTree(group.body());
      assertThat(body.path("name").asText()).isEqualTo("gateway/ns/edge");
      assertThat(body.path("revision").asLong()).isEqualTo(7);
      JsonNode clusters = body.path("types").path("Cluster");
      assertThat(clusters.path("resources").path("ns/a").asText()).isEqualTo(Versions.of(a));
      assertThat(clusters.path("resources").path("ns/b").asText()).isEqualTo(Versions.of(b));
      assertThat(clusters.path("version").asText())
          .isEqualTo(store.get("gateway/ns/edge").orElseThrow().type(CLUSTER).version());
      assertThat(body.path("types").path("Listener").path("resources").size()).isZero();
      assertThat(group.body()).doesNotContain("secret-looking");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(all.body()).contains("\"groups\"").doesNotContain("ns/a");
    }
  }

  private static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  private static EnvoyResource resource(Cluster cluster) {
    return new EnvoyResource(cluster.getName(), Versions.of(cluster), Any.pack(cluster));
  }

  private HttpResponse<String> get(AdminServer admin, String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }
}
