package io.meshgate.edge.ratelimit;

import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.testkit.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One rate limit service as Envoy sees it: a real gRPC server on a loopback port, counting in the
 * test's Redis, and a real gRPC client calling {@code ShouldRateLimit}.
 */
final class Rls implements AutoCloseable {
  final RedisCounters counters;
  final RlsServer server;
  final ManagedChannel channel;
  final RateLimitServiceGrpc.RateLimitServiceBlockingStub client;

  Rls(RedisServer redis, AtomicReference<RateLimitConfig> config, Clock clock) {
    this(RedisSettings.parse(redis.uri()), config, clock);
  }

  Rls(RedisSettings redis, AtomicReference<RateLimitConfig> config, Clock clock) {
    counters = RedisCounters.connect(redis);
    // As a readiness check would: the first connection may take longer than the command timeout.
    // Returns at once when Redis is down or refuses us; those tests then see the failure modes.
    counters.awaitConnected(Duration.ofSeconds(5));
    server =
        RlsServer.start(
            RlsServer.parseAddress("127.0.0.1:0"),
            new RateLimitService(config::get, counters, clock, RequestBounds.DEFAULTS),
            counters::connected);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    client = RateLimitServiceGrpc.newBlockingStub(channel);
  }

  /** What {@code grpc.health.v1.Health/Check} answers for the rate limit service. */
  ServingStatus health() {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(
            HealthCheckRequest.newBuilder().setService(RateLimitServiceGrpc.SERVICE_NAME).build())
        .getStatus();
  }

  RateLimitResponse call(RateLimitRequest request) {
    return client.withDeadlineAfter(5, TimeUnit.SECONDS).shouldRateLimit(request);
  }

  /** A request of one descriptor with these key, value pairs. */
  static RateLimitRequest request(String domain, String... keyValues) {
    return RateLimitRequest.newBuilder()
        .setDomain(domain)
        .addDescriptors(descriptor(keyValues))
        .build();
  }

  static RateLimitDescriptor descriptor(String... keyValues) {
    RateLimitDescriptor.Builder descriptor = RateLimitDescriptor.newBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      descriptor.addEntries(
          RateLimitDescriptor.Entry.newBuilder().setKey(keyValues[i]).setValue(keyValues[i + 1]));
    }
    return descriptor.build();
  }

  static RateLimitDescriptor descriptorWithAddend(long addend, String... keyValues) {
    return descriptor(keyValues).toBuilder().setHitsAddend(UInt64Value.of(addend)).build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
    counters.close();
  }
}
