package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.meshgate.config.store.EtcdConnection;
import io.meshgate.config.store.Keyspace;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real etcd with {@code auth enable}: a user {@code meshgate} whose role may read and write
 * {@code /meshgate/v1/} runs the node and the CLI; a wrong password and a role without the prefix
 * are refused with etcd's reason.
 */
class EtcdAuthIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(1);

  @TempDir static Path secrets;
  @TempDir Path dir;

  static Path meshgatePassword;
  static Path wrongPassword;
  static Path otherPassword;

  @BeforeAll
  static void enableAuth() throws Exception {
    meshgatePassword = password("meshgate", "meshgate-pw-1");
    wrongPassword = password("wrong", "not-the-password");
    otherPassword = password("other", "other-pw-1");
    // As docs/security.md says with etcdctl: a root user, a role on the prefix, then auth enable.
    try (Client root = EtcdConnection.plaintext(etcd.endpointList()).connect()) {
      Auth auth = root.getAuthClient();
      done(auth.userAdd(bytes("root"), bytes("root-pw-1")));
      done(auth.userGrantRole(bytes("root"), bytes("root")));
      grant(auth, "meshgate", Keyspace.ROOT);
      grant(auth, "other", "/other/");
      done(auth.authEnable());
    }
  }

  private static void grant(Auth auth, String name, String prefix) throws Exception {
    done(auth.roleAdd(bytes(name)));
    done(
        auth.roleGrantPermission(
            bytes(name), bytes(prefix), bytes(prefixEnd(prefix)), Permission.Type.READWRITE));
    done(auth.userAdd(bytes(name), bytes(Files.readString(secrets.resolve(name)).strip())));
    done(auth.userGrantRole(bytes(name), bytes(name)));
  }

  /** etcdctl's --prefix range end: the prefix with its last byte incremented. */
  private static String prefixEnd(String prefix) {
    char last = prefix.charAt(prefix.length() - 1);
    return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
  }

  private static Path password(String name, String value) throws Exception {
    return Files.writeString(secrets.resolve(name), value + "\n");
  }

  private static ByteSequence bytes(String value) {
    return ByteSequence.from(value, UTF_8);
  }

  private static <T> T done(java.util.concurrent.CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private Map<String, String> as(String user, Path passwordFile) {
    return Map.of(
        "MESHGATE_KAFKA", kafka.bootstrapServers(),
        "MESHGATE_ETCD", etcd.endpointList(),
        "MESHGATE_ETCD_USER", user,
        "MESHGATE_ETCD_PASSWORD_FILE", passwordFile.toString());
  }

  private CliRun cli(Map<String, String> env, String... args) {
    return CliRun.run(env, dir.resolve("no-config.yaml"), args);
  }

  private static int readyz(XdsNode node) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + "/readyz");
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static NodeSettings.Builder node(EtcdConnection connection, String replicaId) {
    return NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), replicaId)
        .anyLoopbackPorts()
        .etcdConnection(connection);
  }

  @Test
  void theMeshgateUserAppliesThroughTheNodeAndReadsThroughTheCli() throws Exception {
    EtcdConnection asMeshgate =
        EtcdConnection.plaintext(etcd.endpointList()).withUser("meshgate", meshgatePassword);
    try (XdsNode node = XdsNode.start(node(asMeshgate, "auth-it").build())) {
      // given
      Path file = dir.resolve("echo.yaml");
      Files.writeString(
          file,
          """
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: echo, namespace: auth}
          spec: {dns: {hostname: echo.example.com, port: 443}}
          """);

      // when
      CliRun applied = cli(as("meshgate", meshgatePassword), "apply", "-f", file.toString());

      // then
      assertThat(applied.exit()).as(applied.err()).isZero();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                CliRun got =
                    cli(as("meshgate", meshgatePassword), "get", "backend/echo", "-n", "auth");
                assertThat(got.exit()).as(got.err()).isZero();
                assertThat(got.out()).contains("echo");
              });
      await().atMost(Duration.ofSeconds(30)).until(() -> readyz(node) == 200);
    }
  }

  @Test
  void aWrongPasswordExitsOneWithEtcdsReason() {
    CliRun run = cli(as("meshgate", wrongPassword), "get", "backend", "-A", "--timeout", "5s");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("authentication failed");
  }

  @Test
  void aUserWhoseRoleLacksThePrefixIsRefused() {
    CliRun run = cli(as("other", otherPassword), "get", "backend", "-A", "--timeout", "5s");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("permission denied");
  }

  @Test
  void aNodeWithoutCredentialsIsNotReady() throws Exception {
    try (XdsNode node =
        XdsNode.startServingOnly(
            node(EtcdConnection.plaintext(etcd.endpointList()), "anonymous-it").build())) {
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(() -> readyz(node) == 503);
    }
  }
}
