package io.meshgate.edge.signature;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.edge.ratelimit.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One HMAC signature service as Envoy sees it: a real gRPC server on a loopback port, nonces in the
 * test's Redis, and a real gRPC client calling {@code Check} with requests built as Envoy's
 * ext_authz filter builds them.
 */
final class Authz implements AutoCloseable {
  final RedisNonces nonces;
  final AuthzServer server;
  final ManagedChannel channel;
  final AuthorizationGrpc.AuthorizationBlockingStub client;

  Authz(String redisUri, Supplier<HmacPolicies> policies, Clock clock) {
    nonces = RedisNonces.connect(RedisSettings.parse(redisUri));
    nonces.awaitConnected(Duration.ofSeconds(5));
    server =
        AuthzServer.start(
            AuthzServer.parseAddress("127.0.0.1:0"),
            new HmacAuthorizationService(policies, nonces, clock));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    client = AuthorizationGrpc.newBlockingStub(channel);
  }

  CheckResponse call(CheckRequest request) {
    return client.withDeadlineAfter(5, TimeUnit.SECONDS).check(request);
  }

  /**
   * The CheckRequest Envoy sends for this request on a route whose policy is {@code policy}: the
   * pseudo-headers and the headers in {@code header_map} (encode_raw_headers), the body as {@code
   * raw_body} (pack_as_bytes), the policy in the context extensions.
   */
  static CheckRequest envoyCheck(SignedRequest request, String policy) {
    HeaderMap.Builder headers =
        HeaderMap.newBuilder()
            .addHeaders(raw(":authority", request.authority()))
            .addHeaders(raw(":path", request.target()))
            .addHeaders(raw(":method", request.method()))
            .addHeaders(raw(":scheme", request.scheme()));
    for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
      for (String value : header.getValue()) {
        headers.addHeaders(raw(header.getKey(), value));
      }
    }
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setId("1234")
            .setMethod(request.method())
            .setPath(request.target())
            .setHost(request.authority())
            .setScheme(request.scheme())
            .setProtocol("HTTP/1.1")
            .setHeaderMap(headers);
    request.body().ifPresent(body -> http.setRawBody(ByteString.copyFrom(body)));
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))
                .putContextExtensions(CheckRequests.POLICY_EXTENSION, policy))
        .build();
  }

  private static HeaderValue raw(String name, String value) {
    return HeaderValue.newBuilder()
        .setKey(name)
        .setRawValue(ByteString.copyFrom(value, StandardCharsets.UTF_8))
        .build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
    nonces.close();
  }
}
