package io.meshgate.bench;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.edge.ratelimit.DescriptorRule;
import io.meshgate.edge.ratelimit.DomainRules;
import io.meshgate.edge.ratelimit.Limit;
import io.meshgate.edge.ratelimit.RateLimitConfig;
import io.meshgate.edge.ratelimit.RateLimitService;
import io.meshgate.edge.ratelimit.RedisCounters;
import io.meshgate.edge.ratelimit.RedisSettings;
import io.meshgate.edge.ratelimit.RequestBounds;
import io.meshgate.edge.ratelimit.RlsServer;
import io.meshgate.edge.ratelimit.Unit;
import io.meshgate.testkit.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Decisions per second and latency of one rate limit service against a local redis-server (issue
 * 22), as Envoy would call it: {@code clients} threads with blocking gRPC stubs over loopback, each
 * calling {@code ShouldRateLimit} back to back with one descriptor (1,000 client addresses in
 * turn). Not JMH: the unit is a round trip through gRPC, the service and Redis.
 *
 * <ul>
 *   <li>{@code counted}: the descriptor matches a limit (never reached), so every call runs the Lua
 *       script in Redis;
 *   <li>{@code unlimited}: the baseline: no rule matches, so the same call never reaches Redis.
 * </ul>
 *
 * The clients, the service and Redis share the machine's cores. Run with {@code bin/bench-rls
 * [clients=8] [seconds=10] [samples=3]}.
 */
public final class RateLimitThroughput {
  private RateLimitThroughput() {}

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int samples = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    RateLimitConfig config =
        RateLimitConfig.of(
            DomainRules.of(
                "bench",
                DescriptorRule.key("remote_address").limit(Limit.of(1_000_000_000, Unit.MINUTE))));
    try (RedisServer redis = RedisServer.local().start();
        RedisCounters counters = RedisCounters.connect(RedisSettings.parse(redis.uri()));
        RlsServer server =
            RlsServer.start(
                RlsServer.parseAddress("127.0.0.1:0"),
                new RateLimitService(
                    () -> config, counters, Clock.systemUTC(), RequestBounds.DEFAULTS))) {
      if (!counters.awaitConnected(Duration.ofSeconds(10))) {
        throw new IllegalStateException("no connection to " + counters.settings() + " in 10 s");
      }
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      RateLimitServiceGrpc.RateLimitServiceBlockingStub stub =
          RateLimitServiceGrpc.newBlockingStub(channel);
      System.out.printf(
          "machine: %d CPUs, %d MiB max heap, %s; clients %d, %d s per sample%n",
          Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() >> 20,
          System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
          clients,
          seconds);
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      try {
        for (String mode : List.of("counted", "unlimited")) {
          String key = mode.equals("counted") ? "remote_address" : "unmatched";
          run(pool, stub, clients, 10, key); // warm-up: the JIT, the connection
          for (int sample = 1; sample <= samples; sample++) {
            Result result = run(pool, stub, clients, seconds, key);
            System.out.printf(
                "%-9s sample %d: %,8.0f decisions/s  p50 %,6d us  p99 %,6d us  p99.9 %,6d us"
                    + "  max %,7d us  (%s)%n",
                mode,
                sample,
                result.calls() / (double) seconds,
                result.latency().getValueAtPercentile(50),
                result.latency().getValueAtPercentile(99),
                result.latency().getValueAtPercentile(99.9),
                result.latency().getMaxValue(),
                result.overLimit() == 0 ? "all OK" : result.overLimit() + " OVER_LIMIT");
          }
        }
      } finally {
        pool.shutdownNow();
        channel.shutdownNow();
      }
    }
  }

  private record Result(long calls, long overLimit, Histogram latency) {}

  private static Result run(
      ExecutorService pool,
      RateLimitServiceGrpc.RateLimitServiceBlockingStub stub,
      int clients,
      int seconds,
      String key)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<Result>> futures = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      futures.add(
          pool.submit(
              () -> {
                Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
                long calls = 0;
                long over = 0;
                while (System.nanoTime() < end) {
                  RateLimitRequest request =
                      RateLimitRequest.newBuilder()
                          .setDomain("bench")
                          .addDescriptors(
                              RateLimitDescriptor.newBuilder()
                                  .addEntries(
                                      RateLimitDescriptor.Entry.newBuilder()
                                          .setKey(key)
                                          .setValue("10.0." + client + "." + (calls % 1000))))
                          .build();
                  long start = System.nanoTime();
                  RateLimitResponse response =
                      stub.withDeadlineAfter(5, TimeUnit.SECONDS).shouldRateLimit(request);
                  latency.recordValue(
                      Math.min(
                          TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start),
                          latency.getHighestTrackableValue()));
                  if (response.getOverallCode() != RateLimitResponse.Code.OK) {
                    over++;
                  }
                  calls++;
                }
                return new Result(calls, over, latency);
              }));
    }
    Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
    long calls = 0;
    long over = 0;
    for (Future<Result> future : futures) {
      Result result = future.get();
      all.add(result.latency());
      calls += result.calls();
      over += result.overLimit();
    }
    return new Result(calls, over, all);
  }
}
