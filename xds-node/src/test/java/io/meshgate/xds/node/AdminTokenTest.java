package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The admin port with a bearer token: {@code /debug} needs it, the probes and {@code /metrics} do
 * not; off loopback a node refuses to start without one; the token shows in no log line and no
 * {@code toString}.
 */
class AdminTokenTest {
  private static final String TOKEN = "s3cret-admin-token-4f9a";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private Level rootLevel;

  @BeforeEach
  void captureEveryLogLine() {
    rootLevel = root.getLevel();
    root.setLevel(Level.TRACE);
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void restoreLogging() {
    root.detachAppender(logs);
    root.setLevel(rootLevel);
  }

  private Path tokenFile(String content, String mode) throws Exception {
    Path file = dir.resolve("admin-token");
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  private AdminServer adminWith(Optional<AdminToken> token) {
    SnapshotStore store = new SnapshotStore();
    return new AdminServer(
        new InetSocketAddress("127.0.0.1", 0),
        () -> Optional.of("etcd does not answer"),
        store,
        new AdsService(store),
        token);
  }

  private HttpResponse<String> get(AdminServer admin, String path, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + path));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void debugNeedsTheBearerTokenWhileTheProbesStayOpen() throws Exception {
    // given
    AdminToken token = AdminToken.read(tokenFile("  " + TOKEN + "\n", "rw-------"), warning -> {});

    try (AdminServer admin = adminWith(Optional.of(token))) {
      // when
      HttpResponse<String> none = get(admin, "/debug/streams");
      HttpResponse<String> wrong = get(admin, "/debug/streams", "Authorization", "Bearer wrong");
      HttpResponse<String> basic =
          get(admin, "/debug/snapshots", "Authorization", "Basic " + TOKEN);
      HttpResponse<String> right = get(admin, "/debug/streams", "Authorization", "Bearer " + TOKEN);
      HttpResponse<String> snapshots =
          get(admin, "/debug/snapshots", "Authorization", "Bearer " + TOKEN);
      HttpResponse<String> ready = get(admin, "/readyz");
      HttpResponse<String> healthy = get(admin, "/healthz");

      // then
      for (HttpResponse<String> refused : List.of(none, wrong, basic)) {
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(refused.body()).isEmpty();
      }
      assertThat(right.statusCode()).isEqualTo(200);
      assertThat(right.body()).contains("\"streams\"");
      assertThat(snapshots.statusCode()).isEqualTo(200);
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("not ready: etcd does not answer\n");
      assertThat(healthy.statusCode()).isEqualTo(200);
    }
    assertThat(loggedText()).doesNotContain(TOKEN);
  }

  @Test
  void metricsAnswerWithoutTheTokenInPrometheusTextFormat() throws Exception {
    // given an admin port with a token, serving a scrape
    AdminToken token = AdminToken.read(tokenFile(TOKEN + "\n", "rw-------"), warning -> {});
    try (AdminServer admin = adminWith(Optional.of(token))) {
      admin.serveMetrics(
          () -> "# TYPE meshgate_pipeline_groups gauge\nmeshgate_pipeline_groups 2.0\n");

      // when Prometheus scrapes without the token
      HttpResponse<String> metrics = get(admin, "/metrics");

      // then it gets the scrape, as Prometheus' text format
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .contains("text/plain; version=0.0.4; charset=utf-8");
      assertThat(metrics.body()).contains("meshgate_pipeline_groups 2.0");
    }
  }

  @Test
  void aPageThatFailsAnswers500AndIsLoggedInsteadOfAClosedConnection() throws Exception {
    try (AdminServer admin = adminWith(Optional.empty())) {
      admin.serveMetrics(
          () -> {
            throw new IllegalStateException("a meter that cannot be read");
          });

      HttpResponse<String> metrics = get(admin, "/metrics");

      assertThat(metrics.statusCode()).isEqualTo(500);
      assertThat(metrics.body()).contains("IllegalStateException");
    }
    assertThat(loggedText()).contains("admin /metrics failed", "a meter that cannot be read");
  }

  @Test
  void withoutATokenDebugIsOpenOnLoopback() throws Exception {
    try (AdminServer admin = adminWith(Optional.empty())) {
      assertThat(get(admin, "/debug/streams").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aNodeOffLoopbackWithoutATokenFileRefusesToStart() {
    // given
    NodeSettings settings =
        NodeSettings.builder("127.0.0.1:1", "http://127.0.0.1:1", "admin-test")
            .xdsAddress(new InetSocketAddress("127.0.0.1", 0))
            .adminAddress(new InetSocketAddress("0.0.0.0", 0))
            .build();

    // when, then
    assertThatThrownBy(() -> XdsNode.start(settings))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("is not a loopback one")
        .hasMessageContaining("MESHGATE_ADMIN_TOKEN_FILE");
  }

  @Test
  void theTokenIsInNoToStringAndAReadableFileIsWarnedAboutWithoutIt() throws Exception {
    // given
    Path file = tokenFile(TOKEN + "\n", "rw-r--r--");
    List<String> warnings = new ArrayList<>();

    // when
    AdminToken token = AdminToken.read(file, warnings::add);
    NodeSettings settings =
        NodeSettings.builder("127.0.0.1:1", "http://127.0.0.1:1", "admin-test")
            .adminTokenFile(file)
            .build();

    // then
    assertThat(warnings).singleElement().asString().contains(file.toString()).contains("chmod 600");
    assertThat(String.join("\n", warnings)).doesNotContain(TOKEN);
    assertThat(token.toString()).doesNotContain(TOKEN);
    assertThat(settings.toString()).contains("admin-token").doesNotContain(TOKEN);
    assertThat(token.admits("Bearer " + TOKEN)).isTrue();
  }

  @Test
  void aPrivateFileIsNotWarnedAboutAndAnEmptyOneIsRefused() throws Exception {
    List<String> warnings = new ArrayList<>();

    AdminToken.read(tokenFile(TOKEN, "rw-------"), warnings::add);

    assertThat(warnings).isEmpty();
    Path empty = tokenFile(" \n", "rw-------");
    assertThatThrownBy(() -> AdminToken.read(empty, warnings::add))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
  }

  private String loggedText() {
    StringBuilder logged = new StringBuilder();
    for (ILoggingEvent event : logs.list) {
      logged.append(event.getFormattedMessage()).append('\n');
    }
    return logged.toString();
  }
}
