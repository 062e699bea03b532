package io.meshgate.bench.discovery;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.bench.BenchKafka;
import io.meshgate.bench.LargeConfig;
import io.meshgate.bench.ProcessFigures;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.model.Resource;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.embedded.Tether;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.ConsulApiDouble.CheckStatus;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Issue 18's figure: one replica watching {@value #SERVICES} Consul services of {@value #INSTANCES}
 * instances each (testkit's {@link ConsulApiDouble}, in this JVM), N delta EDS clients (this JVM,
 * {@value #STREAMS_PER_CONNECTION} streams per connection) each subscribed to every service's
 * assignment, and instances changing health at a steady rate.
 *
 * <p>The replica is {@code meshgate node} in its own JVM ({@code -Xmx1g}), fed its 1,000 Backends
 * ({@code spec.consul.service: svc-N}) through a real KRaft broker (this JVM) and etcd (a local
 * process), with {@code CONSUL_HTTP_ADDR} pointing at the double: the production path from the
 * blocking query to the delta stream. Its CPU is its own process's (user + system, {@code
 * /proc/PID/stat}) and its heap is read after a full GC ({@code jcmd}), as in the fleet bench.
 *
 * <p>Each round runs three windows of the same length on the same connected fleet: no change (the
 * idle baseline), 0.1 % of the instances flipping health per second, and 1 % (the goal). Flips are
 * paced evenly (one every 1/rate s), each on another instance of a shuffled order, and go passing →
 * critical (the instance's own TTL check, through the double's lever). Latency runs from the lever
 * call to each client's ACK of the assignment in which the instance's health changed; a window ends
 * when every client has seen every flip of it (or after a timeout, which the row reports as missing
 * observations).
 *
 * <p>{@code bin/bench-discovery [clients=1000] [rounds=3] [window seconds=20]}; results to stdout
 * and {@code bench/results/discovery-DATE[-TAG].json} ({@code BENCH_TAG}). {@code BENCH_JFR=1}
 * records a profile of the replica to {@code bench/target/xds-node-discovery.jfr}.
 */
public final class DiscoveryChurnBenchmark {
  static final int SERVICES = 1_000;
  static final int INSTANCES = 5;
  private static final int STREAMS_PER_CONNECTION = 100;

  /** Flips per second of each window kind: none, 0.1 % and 1 % of the 5,000 instances. */
  private static final List<Integer> RATES = List.of(0, 5, 50);

  private DiscoveryChurnBenchmark() {}

  /**
   * One measured window.
   *
   * @param flipsPerSecond the rate asked for; {@code flips} is how many the bench made
   * @param observed flip ACKs recorded over all clients; {@code flips × clients} when complete
   * @param cpuCores the replica's CPU seconds over the window, divided by its length
   * @param responsesPerClientPerSecond EDS responses each client got, on average, per second
   * @param resourcesPerClientPerSecond assignments in them
   * @param consulRequests requests the double received in the window (the replica's blocking
   *     queries answered and sent again)
   */
  record Window(
      int round,
      int flipsPerSecond,
      int seconds,
      int flips,
      int clients,
      long observed,
      double p50Ms,
      double p99Ms,
      double maxMs,
      double cpuCores,
      double responsesPerClientPerSecond,
      double resourcesPerClientPerSecond,
      long consulRequests) {}

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    String classpath = System.getProperty("java.class.path");

    // Every waiting blocking query holds a handler thread of the double: one per service, and room.
    ConsulApiDouble consul = ConsulApiDouble.builder().handlerThreads(SERVICES + 64).start();
    for (int s = 0; s < SERVICES; s++) {
      for (int i = 0; i < INSTANCES; i++) {
        consul.register("dc1", instance(s, i));
      }
    }
    HealthFlips flips = new HealthFlips(SERVICES * INSTANCES, rounds * RATES.size());
    List<Window> windows = new ArrayList<>();
    Map<String, Long> heap = new LinkedHashMap<>();
    try (consul;
        BenchKafka kafka = BenchKafka.fromEnvironment();
        LocalEtcd etcd = LocalEtcd.start(1)) {
      int xdsPort = freePort();
      int adminPort = freePort();
      Process replica = startReplica(classpath, kafka, etcd, consul, xdsPort, adminPort);
      List<ManagedChannel> channels = new ArrayList<>();
      List<EdsClient> fleet = new ArrayList<>();
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              kafka
                  .client()
                  .over(
                      Map.of(
                          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                          kafka.bootstrapServers(),
                          ProducerConfig.ACKS_CONFIG,
                          "all")),
              new StringSerializer(),
              new ByteArraySerializer())) {
        ProcessFigures.awaitReady(adminPort, "bench/target/xds-node-discovery.log");
        publishBackends(producer);
        // One probe client first: the config is built and every assignment holds its instances.
        ManagedChannel probeChannel = channel(xdsPort);
        EdsClient probe = new EdsClient("discovery-probe", SERVICES, INSTANCES, flips);
        probe.connect(probeChannel);
        awaitSynced(List.of(probe), 180);
        probe.close();
        probeChannel.shutdownNow();
        Thread.sleep(2_000);
        heap.put("configOnly", ProcessFigures.heapUsedBytes(replica.pid()));

        long connecting = System.nanoTime();
        for (int c = 0; c < clients; c++) {
          if (c % STREAMS_PER_CONNECTION == 0) {
            channels.add(channel(xdsPort));
          }
          EdsClient client = new EdsClient("discovery-" + c, SERVICES, INSTANCES, flips);
          client.connect(channels.get(channels.size() - 1));
          fleet.add(client);
        }
        awaitSynced(fleet, 300);
        System.out.printf(
            "%d clients hold %d assignments of %d endpoints each after %.1f s%n",
            clients, SERVICES, INSTANCES, (System.nanoTime() - connecting) / 1e9);
        Thread.sleep(2_000);
        heap.put("withClients", ProcessFigures.heapUsedBytes(replica.pid()));
        Thread.sleep(5_000);

        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < SERVICES * INSTANCES; k++) {
          order.add(k);
        }
        Collections.shuffle(order, new Random(18));
        AtomicInteger next = new AtomicInteger();
        ScheduledExecutorService lever =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "bench-lever");
                  t.setDaemon(true);
                  return t;
                });
        for (int round = 0; round < rounds; round++) {
          for (int rate : RATES) {
            Window window =
                window(
                    windows.size(),
                    round,
                    rate,
                    seconds,
                    consul,
                    flips,
                    fleet,
                    replica.pid(),
                    lever,
                    order,
                    next);
            windows.add(window);
            System.out.println(window);
            Thread.sleep(2_000);
          }
        }
        lever.shutdownNow();
        heap.put("afterChurn", ProcessFigures.heapUsedBytes(replica.pid()));
        int nacks = fleet.stream().mapToInt(EdsClient::nacks).sum();
        System.out.println(
            "heap " + heap + ", NACKs sent " + nacks + ", unmatched " + flips.unmatched());
        write(clients, seconds, windows, heap, nacks, flips.unmatched());
      } finally {
        fleet.forEach(EdsClient::close);
        channels.forEach(ManagedChannel::shutdownNow);
        replica.destroy();
        replica.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * One window: {@code rate} flips per second for {@code seconds}, then wait until every client has
   * seen each of them (at most 30 s). CPU is the replica's over the flipping time only.
   */
  private static Window window(
      int w,
      int round,
      int rate,
      int seconds,
      ConsulApiDouble consul,
      HealthFlips flips,
      List<EdsClient> fleet,
      long pid,
      ScheduledExecutorService lever,
      List<Integer> order,
      AtomicInteger next)
      throws Exception {
    int wanted = rate * seconds;
    AtomicInteger made = new AtomicInteger();
    long responsesBefore = fleet.stream().mapToLong(EdsClient::responses).sum();
    long resourcesBefore = fleet.stream().mapToLong(EdsClient::resources).sum();
    long requestsBefore = consul.requestCount();
    long cpuBefore = ProcessFigures.cpuTicks(pid);
    long start = System.nanoTime();
    ScheduledFuture<?> flipping = null;
    if (rate > 0) {
      flipping =
          lever.scheduleAtFixedRate(
              () -> {
                if (made.get() >= wanted) {
                  return;
                }
                int instance = order.get(next.getAndIncrement() % order.size());
                boolean toUnhealthy = !flips.isUnhealthy(instance);
                flips.flipping(instance, toUnhealthy, w, EdsClient.nowMicros());
                consul.setCheckStatus(
                    "dc1",
                    serviceId(instance / INSTANCES, instance % INSTANCES),
                    toUnhealthy ? CheckStatus.CRITICAL : CheckStatus.PASSING);
                made.incrementAndGet();
              },
              0,
              1_000_000_000L / rate,
              TimeUnit.NANOSECONDS);
    }
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
    }
    long cpu = ProcessFigures.cpuTicks(pid) - cpuBefore;
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (flipping != null) {
      flipping.cancel(false);
    }
    long expected = (long) made.get() * fleet.size();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (flips.observed(w) < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long responses = fleet.stream().mapToLong(EdsClient::responses).sum() - responsesBefore;
    long resources = fleet.stream().mapToLong(EdsClient::resources).sum() - resourcesBefore;
    Histogram latency = flips.latency(w);
    boolean any = latency.getTotalCount() > 0;
    return new Window(
        round,
        rate,
        seconds,
        made.get(),
        fleet.size(),
        flips.observed(w),
        any ? latency.getValueAtPercentile(50) / 1000.0 : -1,
        any ? latency.getValueAtPercentile(99) / 1000.0 : -1,
        any ? latency.getMaxValue() / 1000.0 : -1,
        cpu / (double) ProcessFigures.TICKS_PER_SECOND / elapsed,
        responses / (double) fleet.size() / elapsed,
        resources / (double) fleet.size() / elapsed,
        consul.requestCount() - requestsBefore);
  }

  private static String serviceId(int s, int i) {
    return "svc-" + s + "-" + i;
  }

  /** Instance i of svc-s: its own node and address 10.(20 + s/250).(s%250).(i+1), port 8080. */
  private static Instance instance(int s, int i) {
    String address = "10." + (20 + s / 250) + "." + (s % 250) + "." + (i + 1);
    return Instance.of("svc-" + s, serviceId(s, i), "node-" + s + "-" + i, address, 8080);
  }

  /** Every client holds every assignment with all its endpoints. */
  private static void awaitSynced(List<EdsClient> clients, int timeoutSeconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (clients.stream()
        .anyMatch(c -> c.servicesHeld() < SERVICES || c.endpointsHeld() < SERVICES * INSTANCES)) {
      if (System.nanoTime() > deadline) {
        long behind = clients.stream().filter(c -> c.servicesHeld() < SERVICES).count();
        Throwable error =
            clients.stream().map(EdsClient::error).filter(e -> e != null).findFirst().orElse(null);
        throw new IllegalStateException(
            behind
                + " clients never held all "
                + SERVICES
                + " assignments"
                + (error == null ? "" : ": " + error));
      }
      Thread.sleep(50);
    }
  }

  private static void publishBackends(KafkaProducer<String, byte[]> producer) throws Exception {
    StringBuilder yaml = new StringBuilder();
    for (int s = 0; s < SERVICES; s++) {
      yaml.append(s == 0 ? "" : "---\n")
          .append("apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: svc-")
          .append(s)
          .append("}\nspec: {consul: {service: svc-")
          .append(s)
          .append("}}\n");
    }
    EventEncoder encoder = EventEncoder.forSource("bench-discovery");
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (Resource resource : LargeConfig.parse(yaml.toString(), 1).resources().values()) {
      ConfigEvent event =
          encoder.applied(
              resource.withMetadata(resource.metadata().withoutBookkeeping()),
              OptionalLong.empty());
      sent.add(producer.send(EventPublisher.record(event)));
    }
    for (Future<RecordMetadata> future : sent) {
      future.get(30, TimeUnit.SECONDS);
    }
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
  }

  /**
   * {@code meshgate node} in its own JVM ({@code -Xmx1g}, as the fleet bench's replica), watching
   * the double through {@code CONSUL_HTTP_ADDR}; log in {@code
   * bench/target/xds-node-discovery.log}.
   */
  private static Process startReplica(
      String classpath,
      BenchKafka kafka,
      LocalEtcd etcd,
      ConsulApiDouble consul,
      int xdsPort,
      int adminPort)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("java", "-Xmx1g"));
    if (System.getenv("BENCH_JFR") != null) {
      command.add(
          "-XX:StartFlightRecording=filename=bench/target/xds-node-discovery.jfr,settings=profile");
    }
    command.addAll(
        List.of(
            "-cp",
            classpath,
            "io.meshgate.xds.cli.Meshgate",
            "node",
            "--kafka",
            kafka.bootstrapServers(),
            "--etcd",
            etcd.endpoints(),
            "--replica-id",
            "bench-discovery",
            "--xds-addr",
            "127.0.0.1:" + xdsPort,
            "--admin-addr",
            "127.0.0.1:" + adminPort,
            "--max-new-streams-per-second",
            "100000"));
    kafka
        .propertiesFile()
        .ifPresent(file -> command.addAll(List.of("--kafka-config", file.toString())));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(Path.of("bench/target/xds-node-discovery.log").toFile());
    builder.environment().put("CONSUL_HTTP_ADDR", consul.address());
    // Tethered: a bench killed with SIGKILL takes its replica with it.
    return Tether.start(builder);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void write(
      int clients,
      int seconds,
      List<Window> windows,
      Map<String, Long> heap,
      int nacks,
      long unmatched)
      throws Exception {
    Path dir = Path.of("bench/results");
    Files.createDirectories(dir);
    StringBuilder json = new StringBuilder("{\n  \"date\": \"" + LocalDate.now() + "\",\n");
    json.append("  \"cpus\": ").append(Runtime.getRuntime().availableProcessors()).append(",\n");
    json.append("  \"services\": ").append(SERVICES).append(",\n");
    json.append("  \"instancesPerService\": ").append(INSTANCES).append(",\n");
    json.append("  \"clients\": ").append(clients).append(",\n");
    json.append("  \"streamsPerConnection\": ").append(STREAMS_PER_CONNECTION).append(",\n");
    json.append("  \"windowSeconds\": ").append(seconds).append(",\n");
    json.append("  \"heapUsedBytes\": {");
    int h = 0;
    for (Map.Entry<String, Long> e : heap.entrySet()) {
      json.append(h++ == 0 ? "" : ", ")
          .append('"')
          .append(e.getKey())
          .append("\": ")
          .append(e.getValue());
    }
    json.append("},\n");
    json.append("  \"nacksSent\": ").append(nacks).append(",\n");
    json.append("  \"unmatchedHealthChanges\": ").append(unmatched).append(",\n");
    json.append("  \"windows\": [\n");
    for (int i = 0; i < windows.size(); i++) {
      Window r = windows.get(i);
      json.append(
          String.format(
              "    {\"round\": %d, \"flipsPerSecond\": %d, \"seconds\": %d, \"flips\": %d,"
                  + " \"clients\": %d, \"observed\": %d, \"p50Ms\": %.1f, \"p99Ms\": %.1f,"
                  + " \"maxMs\": %.1f, \"replicaCpuCores\": %.3f,"
                  + " \"edsResponsesPerClientPerSecond\": %.2f,"
                  + " \"assignmentsPerClientPerSecond\": %.2f, \"consulRequests\": %d}%s%n",
              r.round(),
              r.flipsPerSecond(),
              r.seconds(),
              r.flips(),
              r.clients(),
              r.observed(),
              r.p50Ms(),
              r.p99Ms(),
              r.maxMs(),
              r.cpuCores(),
              r.responsesPerClientPerSecond(),
              r.resourcesPerClientPerSecond(),
              r.consulRequests(),
              i == windows.size() - 1 ? "" : ","));
    }
    json.append("  ]\n}\n");
    String tag = System.getenv("BENCH_TAG");
    Path file =
        dir.resolve(
            "discovery-"
                + LocalDate.now()
                + (tag == null || tag.isBlank() ? "" : "-" + tag)
                + ".json");
    Files.writeString(file, json);
    System.out.println("results: " + file);
  }
}
