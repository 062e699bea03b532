package io.meshgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What {@code ConsulApiDoubleTest} and {@code NomadApiDoubleTest} send to their double: plain
 * requests that give up after {@value #ANSWER_WITHIN_SECONDS} s, answers that read the vendor's
 * index header.
 */
final class HashicorpApiClient {
  static final int ANSWER_WITHIN_SECONDS = 20;
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(ANSWER_WITHIN_SECONDS);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final String indexHeader;

  /** {@code indexHeader}: {@code X-Consul-Index} or {@code X-Nomad-Index}. */
  HashicorpApiClient(String indexHeader) {
    this.indexHeader = indexHeader;
  }

  /** One answer; {@link #index()} reads the header the client was made for. */
  record Answer(int status, String text, HttpHeaders headers, String indexHeader) {
    long index() {
      return Long.parseLong(headers.firstValue(indexHeader).orElseThrow());
    }

    JsonNode body() {
      try {
        return JSON.readTree(text);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + text, e);
      }
    }
  }

  Answer get(String address, String pathAndQuery) {
    return send(HttpRequest.newBuilder(URI.create(address + pathAndQuery)));
  }

  Answer put(String address, String pathAndQuery, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(address + pathAndQuery))
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  CompletableFuture<Answer> getAsync(String address, String pathAndQuery) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(address + pathAndQuery)).timeout(ANSWER_WITHIN).build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Answer(r.statusCode(), r.body(), r.headers(), indexHeader));
  }

  /** Sends and waits; a refused or cut connection is an {@link UncheckedIOException}. */
  Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(request.timeout(ANSWER_WITHIN).build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), response.headers(), indexHeader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
