package io.meshgate.meshbridge.consul;

import static java.util.Objects.requireNonNull;

import io.meshgate.discovery.HashicorpHttp;
import io.meshgate.discovery.consul.ConsulClient.ConsulException;
import io.meshgate.discovery.consul.ConsulSettings;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A Consul agent's service registration endpoints, for {@link GatewayService}s: {@code PUT
 * /v1/agent/service/register}, {@code PUT /v1/agent/check/pass/:check_id} and {@code PUT
 * /v1/agent/service/deregister/:service_id}. Each needs {@code service:write} on the service's
 * name. An answer other than 200 is a {@link ConsulException} with Consul's reason; whether to try
 * again is the caller's (a 403 will not change by itself, a 5xx or an I/O error may).
 */
public final class AgentServices {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final ConsulSettings settings;
  private final HttpClient http;

  public AgentServices(ConsulSettings settings) {
    this.settings = requireNonNull(settings, "settings");
    this.http = settings.httpClient();
  }

  /** Registers the instance, or replaces it and its check when its ID is taken on this agent. */
  public void register(GatewayService service) throws IOException, InterruptedException {
    put(
        "/v1/agent/service/register?replace-existing-checks=true",
        service.registrationJson(),
        "the registration of " + service.id());
  }

  /** Sets the instance's TTL check passing, with {@code note} as its output. */
  public void pass(GatewayService service, String note) throws IOException, InterruptedException {
    put(
        "/v1/agent/check/pass/" + encode(service.checkId()) + "?note=" + encode(note),
        "",
        "the check of " + service.id());
  }

  /** Removes the instance and its check from this agent; an unknown ID is no error. */
  public void deregister(String serviceId) throws IOException, InterruptedException {
    try {
      put(
          "/v1/agent/service/deregister/" + encode(serviceId),
          "",
          "the deregistration of " + serviceId);
    } catch (ConsulException e) {
      if (e.status() != 404) {
        throw e;
      }
    }
  }

  /** The agent's address; never its token. */
  @Override
  public String toString() {
    return "AgentServices[" + settings.address() + "]";
  }

  private void put(String path, String body, String what) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(settings.address().resolve(path))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    settings.token().ifPresent(t -> request.header("X-Consul-Token", t));
    HashicorpHttp.Response response = HashicorpHttp.send(http, request.build(), what);
    if (response.status() != 200) {
      throw new ConsulException(response.status(), response.reason());
    }
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
