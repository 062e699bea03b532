package io.meshgate.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.meshgate.config.apply.Applier;
import io.meshgate.config.apply.ApplierSettings;
import io.meshgate.config.apply.Planner;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import io.meshgate.embedded.LocalEtcd;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Applier throughput and latency, end to end: events published to a real KRaft broker, applied by
 * one applier into a real etcd, and their Accepted status seen through an etcd watch. Not JMH: the
 * unit is a whole pipeline, not a method.
 *
 * <ul>
 *   <li>burst: {@code events} 1 KiB resources published as fast as the producer goes; events per
 *       second from the first send to the last Accepted status;
 *   <li>paced: {@code rate} events per second for {@code seconds}; publish-to-Accepted p50, p99 and
 *       max, from the send's completion to the status watch event.
 * </ul>
 *
 * Each for 1 and 6 partitions (6 namespaces' keys spread over them), or the topic sizes given. Run
 * with {@code bin/bench-applier [events] [rate] [seconds] [partitions,...]}; {@code events} 0 skips
 * the burst (after the warm-up event), {@code rate} 0 the paced run.
 *
 * <p>{@code BENCH_KAFKA_SECURITY=sasl_ssl} runs the same against a broker's SASL_SSL listener
 * (SCRAM-SHA-512, ACLs): the bench's producer, admin and applier take their client properties from
 * a properties file, loaded by {@link KafkaClientConfig#load} as {@code MESHGATE_KAFKA_CONFIG} is
 * in production. The default, {@code plaintext}, is the baseline.
 */
public final class ApplierThroughput {
  private ApplierThroughput() {}

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int[] topics =
        Arrays.stream((args.length > 3 ? args[3] : "1,6").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    try (BenchKafka kafka = BenchKafka.fromEnvironment();
        LocalEtcd etcd = LocalEtcd.start(1);
        Client client = Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
      System.out.printf(
          "machine: %d CPUs, %d MiB max heap, %s; Kafka %s%n",
          Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() >> 20,
          System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
          kafka.describe());
      for (int partitions : topics) {
        Run run = new Run(kafka, client, partitions);
        try {
          run.burst(events);
          if (rate > 0) {
            run.paced(rate, seconds);
          }
        } finally {
          run.close();
        }
      }
    }
  }

  /** One topic and applier; every status write seen through one watch. */
  private static final class Run implements AutoCloseable {
    private final String topic = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    private final int partitions;
    private final KafkaProducer<String, byte[]> producer;
    private final Applier applier;
    private final Watch.Watcher watcher;
    private final EventEncoder encoder = EventEncoder.forSource("bench");
    private final Map<String, Long> acceptedNanos = new ConcurrentHashMap<>();
    private final String padding = "x".repeat(700);

    Run(BenchKafka kafka, Client etcd, int partitions) throws Exception {
      this.partitions = partitions;
      try (Admin admin =
          Admin.create(
              kafka
                  .client()
                  .over(
                      Map.of(
                          AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers())))) {
        admin
            .createTopics(
                List.of(
                    new NewTopic(topic, partitions, (short) 1),
                    new NewTopic(topic + ".rejected", 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      producer =
          new KafkaProducer<>(
              kafka
                  .client()
                  .over(
                      Map.of(
                          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                          kafka.bootstrapServers(),
                          ProducerConfig.ACKS_CONFIG,
                          "all",
                          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                          true,
                          ProducerConfig.LINGER_MS_CONFIG,
                          1)),
              new StringSerializer(),
              new ByteArraySerializer());
      watcher =
          etcd.getWatchClient()
              .watch(
                  ByteSequence.from(Keyspace.statusPrefix(), StandardCharsets.UTF_8),
                  WatchOption.builder().isPrefix(true).build(),
                  response -> {
                    long now = System.nanoTime();
                    response
                        .getEvents()
                        .forEach(
                            e -> {
                              ApplierStatus status =
                                  StoredValues.status(e.getKeyValue().getValue().getBytes());
                              status
                                  .lastEvent()
                                  .ifPresent(r -> acceptedNanos.putIfAbsent(r.id(), now));
                            });
                  });
      applier =
          new Applier(
                  new ApplierSettings(
                      kafka.bootstrapServers(),
                      "bench-" + topic,
                      topic,
                      topic + ".rejected",
                      "bench",
                      Map.of(),
                      Duration.ofSeconds(5),
                      kafka.client()),
                  etcd,
                  new Planner(Clock.systemUTC(), () -> UUID.randomUUID().toString()),
                  Applier.Hooks.NONE)
              .start();
    }

    /** A ~1 KiB Backend (the padding is an annotation), in one of 6 namespaces. */
    private ConfigEvent event(int i) {
      Resource resource =
          Resource.of(
              Kind.BACKEND,
              new ObjectMeta(
                  "b" + (i % 500),
                  "ns" + (i % 6),
                  null,
                  Map.of("bench/padding", padding),
                  null,
                  null,
                  null,
                  null),
              new BackendSpec(
                  null,
                  null,
                  null,
                  null,
                  new DnsSource("h" + i + ".example.com", 443),
                  null,
                  null));
      return encoder.applied(resource, OptionalLong.empty());
    }

    private long send(ConfigEvent event) throws Exception {
      ProducerRecord<String, byte[]> record =
          EventPublisher.record(
              new ConfigEvent(topic, event.key(), event.headers(), event.value()));
      CountDownLatch sent = new CountDownLatch(1);
      long[] at = new long[1];
      producer.send(
          record,
          (metadata, error) -> {
            at[0] = System.nanoTime();
            sent.countDown();
          });
      sent.await(30, TimeUnit.SECONDS);
      return at[0];
    }

    void burst(int count) throws Exception {
      // Warm-up: the applier joins its group and etcd's first writes are paid before timing.
      ConfigEvent warm = event(-1);
      send(warm);
      awaitAccepted(List.of(warm.id()), Duration.ofSeconds(60));
      if (count == 0) {
        return;
      }
      List<String> ids = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        ConfigEvent event = event(i);
        ids.add(event.id());
        ProducerRecord<String, byte[]> record =
            EventPublisher.record(
                new ConfigEvent(topic, event.key(), event.headers(), event.value()));
        producer.send(record);
      }
      producer.flush();
      long published = System.nanoTime();
      awaitAccepted(ids, Duration.ofMinutes(10));
      long done = ids.stream().mapToLong(acceptedNanos::get).max().orElseThrow();
      System.out.printf(
          "partitions=%d burst: %d events applied in %.2f s = %.0f events/s (publishing took %.2f s)%n",
          partitions,
          count,
          (done - start) / 1e9,
          count / ((done - start) / 1e9),
          (published - start) / 1e9);
    }

    void paced(int rate, int seconds) throws Exception {
      Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
      List<String> ids = new ArrayList<>();
      Map<String, Long> sentAt = new ConcurrentHashMap<>();
      long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
      long next = System.nanoTime();
      for (int i = 0; i < rate * seconds; i++) {
        // Parked, not spinning: a spin takes one of the machine's cores from the broker, etcd and
        // the applier it measures. parkNanos may wake late; the schedule stays absolute, so a late
        // wake-up makes the sends it owes at once and the rate holds over the run.
        for (long wait = next - System.nanoTime(); wait > 0; wait = next - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
        next += intervalNanos;
        ConfigEvent event = event(1_000_000 + i);
        ids.add(event.id());
        ProducerRecord<String, byte[]> record =
            EventPublisher.record(
                new ConfigEvent(topic, event.key(), event.headers(), event.value()));
        producer.send(record, (metadata, error) -> sentAt.put(event.id(), System.nanoTime()));
      }
      producer.flush();
      awaitAccepted(ids, Duration.ofMinutes(5));
      for (String id : ids) {
        latency.recordValue(
            Math.max(0, TimeUnit.NANOSECONDS.toMicros(acceptedNanos.get(id) - sentAt.get(id))));
      }
      System.out.printf(
          "partitions=%d paced %d/s for %d s: publish-to-Accepted p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
          partitions,
          rate,
          seconds,
          latency.getValueAtPercentile(50) / 1000.0,
          latency.getValueAtPercentile(99) / 1000.0,
          latency.getMaxValue() / 1000.0);
    }

    private void awaitAccepted(List<String> ids, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!ids.stream().allMatch(acceptedNanos::containsKey)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "not all accepted within "
                  + timeout
                  + ": "
                  + ids.stream().filter(id -> !acceptedNanos.containsKey(id)).count()
                  + " missing");
        }
        Thread.sleep(20);
      }
    }

    @Override
    public void close() {
      applier.close();
      watcher.close();
      producer.close();
    }
  }
}
