package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.store.Keyspace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The replicas as etcd lists them ({@code /meshgate/v1/members/}, with the admin address each
 * advertises) and their ACK summaries ({@code /meshgate/v1/acks/}), and their admin HTTP: what
 * {@code meshgate proxy-status} and {@code proxy-config} read.
 */
final class ReplicaAdmins {
  /** One replica's member key. */
  record Member(String replica, long builtRevision, Optional<String> admin) {
    Member {
      requireNonNull(replica, "replica");
      requireNonNull(admin, "admin");
    }
  }

  /** An admin answer: its HTTP status and body. */
  record Answer(int status, JsonNode body) {}

  private final Client etcd;
  private final Duration timeout;
  private final Optional<String> token;
  private final HttpClient http;

  private ReplicaAdmins(Client etcd, Duration timeout, Optional<String> token) {
    this.etcd = etcd;
    this.timeout = timeout;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /**
   * Reads the token file (one line) now: a missing file is the command's error, not a replica's.
   */
  static ReplicaAdmins of(Client etcd, Duration timeout, @Nullable Path tokenFile) {
    Optional<String> token = Optional.empty();
    if (tokenFile != null) {
      try {
        token = Optional.of(Files.readString(tokenFile, UTF_8).strip());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read the admin token file " + tokenFile + " (MESHGATE_ADMIN_TOKEN_FILE)", e);
      }
    }
    return new ReplicaAdmins(etcd, timeout, token);
  }

  /** The live replicas, sorted by id. */
  List<Member> members() {
    List<Member> members = new ArrayList<>();
    for (KeyValue kv : list(Keyspace.ROOT + "members/")) {
      JsonNode member = json(kv);
      members.add(
          new Member(
              member.path("replica").asText(),
              member.path("builtRevision").asLong(-1),
              Optional.ofNullable(member.get("admin")).map(JsonNode::asText)));
    }
    return members;
  }

  /** Replica id → its ACK summaries (one per group), sorted by group. */
  TreeMap<String, List<JsonNode>> summaries() {
    TreeMap<String, List<JsonNode>> byReplica = new TreeMap<>();
    for (KeyValue kv : list(Keyspace.ROOT + "acks/")) {
      JsonNode summary = json(kv);
      byReplica
          .computeIfAbsent(summary.path("replica").asText(), r -> new ArrayList<>())
          .add(summary);
    }
    return byReplica;
  }

  /**
   * {@code GET path} on the replica's admin HTTP: 200 and 404 are answers.
   *
   * @throws Reachability.Unreachable when it does not answer within the timeout, refuses the token
   *     or answers otherwise
   */
  Answer get(Member member, String path) {
    String address =
        member
            .admin()
            .orElseThrow(
                () ->
                    Reachability.adminUnreachable(
                        member.replica(),
                        "(none)",
                        "its member key names no admin address (a replica of an earlier"
                            + " release)"));
    String url = "http://" + address + path;
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET();
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    HttpResponse<String> response;
    try {
      response =
          http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
              .get(timeout.toMillis() + 1_000L, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw unreachable(member, address, "no answer within " + Reachability.text(timeout));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw unreachable(
          member,
          address,
          cause instanceof HttpTimeoutException
              ? "no answer within " + Reachability.text(timeout)
              : cause instanceof ConnectException
                  ? "connection refused"
                  : "no answer (" + cause.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + url, e);
    }
    if (response.statusCode() == 401) {
      throw unreachable(
          member,
          address,
          token.isEmpty()
              ? "401: it requires the admin token (--admin-token-file)"
              : "401: it refused the admin token");
    }
    if (response.statusCode() != 200 && response.statusCode() != 404) {
      throw unreachable(member, address, "HTTP " + response.statusCode());
    }
    try {
      return new Answer(response.statusCode(), Mappers.json().readTree(response.body()));
    } catch (IOException e) {
      throw unreachable(member, address, "an answer that is not JSON");
    }
  }

  static String encoded(String value) {
    return URLEncoder.encode(value, UTF_8);
  }

  private static Reachability.Unreachable unreachable(Member member, String address, String why) {
    return Reachability.adminUnreachable(member.replica(), address, why);
  }

  private List<KeyValue> list(String prefix) {
    ByteSequence key = ByteSequence.from(prefix, UTF_8);
    try {
      return etcd.getKVClient()
          .get(key, GetOption.builder().isPrefix(true).build())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .getKvs();
    } catch (TimeoutException | ExecutionException e) {
      throw new IllegalStateException("cannot list " + prefix + " in etcd: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing " + prefix, e);
    }
  }

  private static JsonNode json(KeyValue kv) {
    try {
      return Mappers.json().readTree(kv.getValue().toString(UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(
          kv.getKey().toString(UTF_8) + ": a value that is not JSON", e);
    }
  }
}
