package io.meshgate.discovery;

import static java.util.Objects.requireNonNull;

import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.testkit.ConsulApiDouble;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a test does to a Consul agent to change what discovery sees, through the agent's documented
 * HTTP API (api-docs/agent/service, api-docs/agent/check), so that the same test runs against
 * testkit's {@link ConsulApiDouble} and against a real agent.
 *
 * <p>Every instance is registered on the agent's own node with one TTL check, {@code service:<id>},
 * passing; {@link #pass}, {@link #warn} and {@link #fail} set it. {@link #close()} deregisters from
 * a real agent what this control registered, or stops the double. Against a real agent a test must
 * use service names of its own (a random suffix), so that instances left by others, or by a run
 * that died before its cleanup, do not show up in its answers.
 *
 * <p>Not thread-safe: one test drives one control.
 */
interface ConsulAgentControl extends AutoCloseable {

  /**
   * A control for the agent {@code CONSUL_HTTP_ADDR} names ({@code CONSUL_HTTP_TOKEN} or {@code
   * CONSUL_HTTP_TOKEN_FILE} sent as {@code X-Consul-Token}), or, when it is not set, for a fresh
   * {@link ConsulApiDouble} that {@link #close()} stops.
   */
  static ConsulAgentControl fromEnvironmentOrDouble() {
    return ConsulSettings.fromEnvironment(System.getenv())
        .<ConsulAgentControl>map(settings -> new OverHttp(settings, null))
        .orElseGet(
            () -> {
              ConsulApiDouble consul = ConsulApiDouble.create();
              return new OverHttp(ConsulSettings.at(URI.create(consul.address())), consul);
            });
  }

  /** How the client under test reaches the same agent (address, token, TLS files). */
  ConsulSettings settings();

  /** The agent's HTTP address as a URL. */
  default String address() {
    return settings().address().toString();
  }

  boolean isDouble();

  /**
   * The double, for what only it can do (stop, start, reset the index, count requests); a test that
   * calls this first assumes {@link #isDouble()}.
   */
  ConsulApiDouble theDouble();

  /** Registers (or replaces) an instance of {@code service} with a passing TTL check. */
  void register(String id, String service, String address, int port, String... tags);

  /**
   * Registers (or replaces) a Connect sidecar proxy ({@code Kind: connect-proxy}) named {@code
   * proxy} for {@code destination}, with a passing TTL check.
   */
  void registerProxy(String id, String proxy, String destination, String address, int port);

  void deregister(String id);

  void pass(String id);

  void warn(String id);

  void fail(String id);

  /** Puts the instance into maintenance: a critical maintenance check. */
  void maintenance(String id);

  void endMaintenance(String id);

  @Override
  void close();

  /** The one implementation: plain {@code java.net.http} against whichever agent it is given. */
  final class OverHttp implements ConsulAgentControl {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    // Long enough for any test; a real agent turns the check critical only after it.
    private static final String CHECK_TTL = "10m";
    // A run that dies before its cleanup leaves nothing behind on a real agent for long.
    private static final String DEREGISTER_CRITICAL_AFTER = "10m";

    private final ConsulSettings settings;
    private final @Nullable ConsulApiDouble consul;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final Set<String> registered = new LinkedHashSet<>();

    private OverHttp(ConsulSettings settings, @Nullable ConsulApiDouble consul) {
      this.settings = requireNonNull(settings, "settings");
      this.consul = consul;
    }

    @Override
    public ConsulSettings settings() {
      return settings;
    }

    @Override
    public boolean isDouble() {
      return consul != null;
    }

    @Override
    public ConsulApiDouble theDouble() {
      if (consul == null) {
        throw new IllegalStateException(
            "a real agent at " + settings.address() + " (expected the double)");
      }
      return consul;
    }

    @Override
    public void register(String id, String service, String address, int port, String... tags) {
      requireNonNull(id, "id");
      requireNonNull(service, "service");
      requireNonNull(address, "address");
      StringBuilder tagList = new StringBuilder("[");
      for (String tag : tags) {
        tagList.append(tagList.length() > 1 ? "," : "").append(quote(tag));
      }
      String body =
          "{\"ID\":"
              + quote(id)
              + ",\"Name\":"
              + quote(service)
              + ",\"Tags\":"
              + tagList.append(']')
              + ",\"Address\":"
              + quote(address)
              + ",\"Port\":"
              + port
              + ",\"Check\":{\"CheckID\":"
              + quote(checkId(id))
              + ",\"TTL\":"
              + quote(CHECK_TTL)
              + ",\"Status\":\"passing\",\"DeregisterCriticalServiceAfter\":"
              + quote(DEREGISTER_CRITICAL_AFTER)
              + "}}";
      put("/v1/agent/service/register", body);
      registered.add(id);
    }

    @Override
    public void registerProxy(
        String id, String proxy, String destination, String address, int port) {
      String body =
          "{\"ID\":"
              + quote(id)
              + ",\"Name\":"
              + quote(proxy)
              + ",\"Kind\":\"connect-proxy\",\"Proxy\":{\"DestinationServiceName\":"
              + quote(destination)
              + "},\"Address\":"
              + quote(address)
              + ",\"Port\":"
              + port
              + ",\"Check\":{\"CheckID\":"
              + quote(checkId(id))
              + ",\"TTL\":"
              + quote(CHECK_TTL)
              + ",\"Status\":\"passing\",\"DeregisterCriticalServiceAfter\":"
              + quote(DEREGISTER_CRITICAL_AFTER)
              + "}}";
      put("/v1/agent/service/register", body);
      registered.add(id);
    }

    @Override
    public void deregister(String id) {
      put("/v1/agent/service/deregister/" + segment(id), "");
      registered.remove(id);
    }

    @Override
    public void pass(String id) {
      put("/v1/agent/check/pass/" + segment(checkId(id)), "");
    }

    @Override
    public void warn(String id) {
      put("/v1/agent/check/warn/" + segment(checkId(id)), "");
    }

    @Override
    public void fail(String id) {
      put("/v1/agent/check/fail/" + segment(checkId(id)), "");
    }

    @Override
    public void maintenance(String id) {
      put("/v1/agent/service/maintenance/" + segment(id) + "?enable=true&reason=meshgate+test", "");
    }

    @Override
    public void endMaintenance(String id) {
      put("/v1/agent/service/maintenance/" + segment(id) + "?enable=false", "");
    }

    /**
     * Stops the double, or deregisters what is left on a real agent; a failed deregistration fails
     * the test. (The double's catalog goes with it, and it may be stopped when a test fails.)
     */
    @Override
    public void close() {
      if (consul != null) {
        consul.close();
        return;
      }
      List<RuntimeException> failures = new ArrayList<>();
      for (String id : List.copyOf(registered)) {
        try {
          deregister(id);
        } catch (RuntimeException e) {
          failures.add(e);
        }
      }
      if (!failures.isEmpty()) {
        IllegalStateException failed =
            new IllegalStateException("cleanup on " + settings.address() + " failed");
        failures.forEach(failed::addSuppressed);
        throw failed;
      }
    }

    private static String checkId(String serviceId) {
      return "service:" + serviceId;
    }

    private void put(String pathAndQuery, String body) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(address() + pathAndQuery))
              .timeout(TIMEOUT)
              .PUT(HttpRequest.BodyPublishers.ofString(body));
      settings.token().ifPresent(token -> request.header("X-Consul-Token", token));
      HttpResponse<String> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new IllegalStateException("PUT " + pathAndQuery + " on " + address() + " failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted: PUT " + pathAndQuery, e);
      }
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "PUT "
                + pathAndQuery
                + " on "
                + address()
                + ": "
                + response.statusCode()
                + " "
                + response.body()
                + " (expected: 200)");
      }
    }

    private static String segment(String value) {
      return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String quote(String value) {
      StringBuilder out = new StringBuilder("\"");
      for (char c : value.toCharArray()) {
        if (c == '"' || c == '\\') {
          out.append('\\').append(c);
        } else if (c < 0x20) {
          out.append(String.format("\\u%04x", (int) c));
        } else {
          out.append(c);
        }
      }
      return out.append('"').toString();
    }

    @Override
    public String toString() {
      return "ConsulAgentControl[" + (isDouble() ? "double at " : "agent at ") + address() + "]";
    }
  }
}
