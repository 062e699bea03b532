package io.meshgate.bench.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.bench.BenchKafka;
import io.meshgate.bench.LargeConfig;
import io.meshgate.bench.MeshConfig;
import io.meshgate.bench.ProcessFigures;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.model.Resource;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.embedded.Tether;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Scenario 1 (propagation) and 2 (capacity) of issue 11: N simulated clients connected to a real
 * xds-node (its own JVM, fed through a real KRaft broker and etcd) and, as the floor, to a bare
 * java-control-plane SimpleCache server (its own JVM) holding the same snapshots. One route change
 * is published — to Kafka for meshgate, by setting the snapshot for the floor — and the time from
 * the Kafka record's timestamp (the floor: the snapshot set) to each client's ACK of the changed
 * route table is recorded. Clients share connections, 100 streams per connection.
 *
 * <p>With a third argument {@code storm}, also scenario 4: the largest N of delta clients
 * reconnecting at once to one replica with the default stream admission limit (and to the floor);
 * {@code refusedStreams} counts the streams refused (and retried with backoff).
 *
 * <p>With {@code nack}, N clients of which every {@value #REJECTING_EVERY}th refuses the next
 * change (an injected, deterministic rejection), against each server in turn; see {@link
 * #nackScenario}.
 *
 * <p>Every client unpacks every resource it gets and NACKs a response it cannot; each row counts
 * the NACKs the clients sent and, from the server, the streams it holds a NACK for (meshgate's
 * {@code /debug/streams}, the floor's request callback).
 *
 * <p>{@code BENCH_KAFKA_SECURITY=sasl_ssl} feeds the replicas through a SASL_SSL listener with
 * ACLs, see {@link BenchKafka}.
 *
 * <p>With {@code mesh}, N sidecars each its own group and one service's change, see {@link #mesh}.
 *
 * <p>{@code BENCH_SERVER_CPUS=0 taskset -c 1 bin/bench-fleet ...} pins the replicas and the floor
 * to CPU 0 and the bench JVM (clients and Kafka) and etcd to CPU 1.
 *
 * <p>{@code bin/bench-fleet [N,N,...] [sotw,delta] [storm|churn|tls|nack|idle|mesh]}; results to
 * stdout and {@code bench/results/fleet-DATE[-TAG].json} (env {@code BENCH_TAG}).
 */
public final class FleetBenchmark {
  private static final int STREAMS_PER_CONNECTION = 100;

  /** Changes measured per row (env BENCH_SAMPLES, default 1), each reported as its own row. */
  private static final int SAMPLES =
      Integer.parseInt(System.getenv().getOrDefault("BENCH_SAMPLES", "1"));

  private FleetBenchmark() {}

  /**
   * The NACKs of a row; -1 where a figure does not apply.
   *
   * @param sent NACKs the clients sent, counted where each is sent
   * @param resent responses that carried a change the client had already NACKed
   * @param serverStreams streams the server holds a NACK for (meshgate: {@code /debug/streams}
   *     entries with a {@code nackedVersion}; the floor: streams its request callback saw NACK)
   * @param serverReceived NACKs the server received (the floor's callback; meshgate exposes no
   *     count)
   */
  record Nacks(int sent, int resent, int serverStreams, long serverReceived) {
    static final Nacks NONE = new Nacks(-1, -1, -1, -1);
  }

  /** What a server reports of NACKs, at one moment; -1 where it reports nothing. */
  record ServerNacks(int streams, long received) {
    ServerNacks since(ServerNacks before) {
      return new ServerNacks(
          streams - before.streams, received < 0 ? -1 : received - before.received);
    }
  }

  /** Reads a server's NACK figures; meshgate's only for streams whose node id has this prefix. */
  interface ServerSide {
    ServerNacks read(String nodePrefix) throws Exception;
  }

  /** One measured row; -1 where a column does not apply. */
  record Row(
      String target,
      String protocol,
      int clients,
      double p50Ms,
      double p99Ms,
      double maxMs,
      double cpuSeconds,
      long heapPerClientBytes,
      int refusedStreams,
      long bytesPerClientPerSecond,
      double steadyCpuPercent,
      Nacks nacks) {
    Row withNacks(Nacks figures) {
      return new Row(
          target,
          protocol,
          clients,
          p50Ms,
          p99Ms,
          maxMs,
          cpuSeconds,
          heapPerClientBytes,
          refusedStreams,
          bytesPerClientPerSecond,
          steadyCpuPercent,
          figures);
    }

    Row withSteadyCpu(double percent) {
      return new Row(
          target,
          protocol,
          clients,
          p50Ms,
          p99Ms,
          maxMs,
          cpuSeconds,
          heapPerClientBytes,
          refusedStreams,
          bytesPerClientPerSecond,
          percent,
          nacks);
    }
  }

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String n : (args.length > 0 ? args[0] : "100,1000").split(",")) {
      sizes.add(Integer.parseInt(n.trim()));
    }
    List<String> protocols = List.of((args.length > 1 ? args[1] : "sotw,delta").split(","));
    String classpath = System.getProperty("java.class.path");
    List<Row> rows = new ArrayList<>();
    try (BenchKafka kafka = BenchKafka.fromEnvironment();
        LocalEtcd etcd = LocalEtcd.start(1)) {
      int oursPort = freePort();
      int adminPort = freePort();
      int floorPort = freePort();
      Process ours =
          startNode(
              classpath,
              kafka,
              etcd,
              "bench",
              oursPort,
              adminPort,
              "--max-new-streams-per-second",
              "100000");
      List<String> floorCommand = new ArrayList<>(serverCpus());
      floorCommand.addAll(
          List.of(
              "java",
              "-Xmx1g",
              "-cp",
              classpath,
              "io.meshgate.bench.fleet.FloorServer",
              Integer.toString(floorPort)));
      // Not tethered: the floor reads its commands on its input and returns at end-of-file, which
      // a bench that dies (even by SIGKILL) delivers, so it ends with the bench already.
      Process floor =
          new ProcessBuilder(floorCommand)
              .redirectError(Path.of("bench/target/floor.log").toFile())
              .start();
      BufferedReader floorOut =
          new BufferedReader(new InputStreamReader(floor.getInputStream(), StandardCharsets.UTF_8));
      BufferedWriter floorIn =
          new BufferedWriter(
              new OutputStreamWriter(floor.getOutputStream(), StandardCharsets.UTF_8));
      System.out.println("Kafka " + kafka.describe());
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
        ProcessFigures.awaitReady(adminPort, "bench/target/xds-node-*.log");
        expectLine(floorOut, "ready");
        if (args.length > 2 && args[2].equals("tls")) {
          rows.addAll(tlsComparison(classpath, kafka, etcd, oursPort, producer, sizes));
          write(rows);
          return;
        }
        if (args.length > 2 && args[2].equals("churn")) {
          // Each fleet starts from the state its server was left in: no tick goes back.
          int oursTick = 0;
          int floorTick = 0;
          for (String protocol : protocols) {
            List<Row> oursRows =
                churn(
                    "meshgate",
                    oursPort,
                    adminPort,
                    sizes.get(0),
                    protocol,
                    t -> publishChurn(producer, t),
                    oursTick);
            oursTick += SAMPLES * CHURN_SECONDS;
            List<Row> floors =
                churn(
                    "floor",
                    floorPort,
                    -1,
                    sizes.get(0),
                    protocol,
                    t -> {
                      floorIn.write("churn " + t + "\n");
                      floorIn.flush();
                      expectLine(floorOut, "churn " + t);
                    },
                    floorTick);
            floorTick += SAMPLES * CHURN_SECONDS;
            rows.addAll(oursRows);
            rows.addAll(floors);
            oursRows.forEach(System.out::println);
            floors.forEach(System.out::println);
          }
          write(rows);
          return;
        }
        if (args.length > 2 && args[2].equals("mesh")) {
          for (String protocol : protocols) {
            rows.addAll(mesh(producer, oursPort, adminPort, ours.pid(), sizes.get(0), protocol));
          }
          write(rows);
          return;
        }
        int version = 0;
        publishAll(producer, version);
        setFloor(floorIn, floorOut, version);
        if (args.length > 2 && args[2].equals("idle")) {
          for (int n : sizes) {
            for (String protocol : protocols) {
              rows.addAll(idle(oursPort, ours.pid(), floorPort, floor.pid(), n, protocol, version));
            }
          }
          write(rows);
          return;
        }
        ServerSide oursNacks = prefix -> nackedStreams(adminPort, prefix);
        ServerSide floorNacks = prefix -> floorNacks(floorIn, floorOut);
        if (args.length > 2 && args[2].equals("nack")) {
          for (int n : sizes) {
            for (String protocol : protocols) {
              rows.addAll(
                  nackScenario(
                      "meshgate",
                      oursPort,
                      ours.pid(),
                      n,
                      protocol,
                      version,
                      v -> publishRoutes(producer, v),
                      oursNacks));
              version += 2;
              setFloor(floorIn, floorOut, version);
              rows.addAll(
                  nackScenario(
                      "floor",
                      floorPort,
                      floor.pid(),
                      n,
                      protocol,
                      version,
                      v -> setFloor(floorIn, floorOut, v),
                      floorNacks));
              version += 2;
              publishRoutes(producer, version);
            }
          }
          write(rows);
          return;
        }
        for (int n : sizes) {
          for (String protocol : protocols) {
            boolean delta = protocol.equals("delta");
            // NACK figures cover the fleet's whole life: read before it connects, and outside the
            // heap measurement (a /debug/streams answer is built in the replica's heap).
            ServerNacks oursBefore = oursNacks.read(Fleet.NODE_PREFIX);
            long heapBefore = heapUsedBytes(ours.pid());
            Fleet fleet = new Fleet(oursPort, n, delta);
            fleet.awaitMarker("bench-v" + version, 180);
            long heapAfter = heapUsedBytes(ours.pid());
            // Steady state: CPU over 10 s with every client connected and nothing changing.
            long idleBefore = cpuTicks(ours.pid());
            Thread.sleep(10_000);
            double steady = (cpuTicks(ours.pid()) - idleBefore) / 100.0 / 10 * 100;
            // BENCH_SAMPLES changes in a row on the same fleet, each a row of its own.
            int oursFirst = rows.size();
            List<Trail> trails = new ArrayList<>();
            for (int sample = 0; sample < SAMPLES; sample++) {
              version++;
              long cpuBefore = cpuTicks(ours.pid());
              ReplicaScrape scrapeBefore = ReplicaScrape.of(adminPort);
              long publishedMicros = publishRoutes(producer, version);
              List<Long> latency = fleet.awaitMarker("bench-v" + version, 120);
              double cpu = (cpuTicks(ours.pid()) - cpuBefore) / 100.0;
              Trail trail = Trail.of(adminPort, scrapeBefore, n, latency, publishedMicros);
              trails.add(trail);
              System.out.println(
                  "trail meshgate "
                      + protocol
                      + " "
                      + n
                      + " sample "
                      + (sample + 1)
                      + ": "
                      + trail);
              rows.add(
                  row(
                          "meshgate",
                          protocol,
                          n,
                          latency,
                          publishedMicros,
                          cpu,
                          (heapAfter - heapBefore) / n,
                          -1)
                      .withSteadyCpu(steady));
              System.out.println(rows.get(rows.size() - 1));
              Thread.sleep(1_000);
            }
            System.out.println(Trail.summary("meshgate " + protocol + " " + n, trails));
            withNacks(rows, oursFirst, fleet, oursNacks.read(Fleet.NODE_PREFIX).since(oursBefore));
            setFloor(floorIn, floorOut, version);
            fleet.close();

            ServerNacks floorBefore = floorNacks.read(Fleet.NODE_PREFIX);
            Fleet floorFleet = new Fleet(floorPort, n, delta);
            floorFleet.awaitMarker("bench-v" + version, 180);
            int floorFirst = rows.size();
            for (int sample = 0; sample < SAMPLES; sample++) {
              version++;
              long floorCpuBefore = cpuTicks(floor.pid());
              long set = setFloor(floorIn, floorOut, version);
              List<Long> floorLatency = floorFleet.awaitMarker("bench-v" + version, 120);
              double floorCpu = (cpuTicks(floor.pid()) - floorCpuBefore) / 100.0;
              rows.add(row("floor", protocol, n, floorLatency, set, floorCpu, -1, -1));
              System.out.println(rows.get(rows.size() - 1));
              Thread.sleep(1_000);
            }
            withNacks(
                rows,
                floorFirst,
                floorFleet,
                floorNacks.read(Fleet.NODE_PREFIX).since(floorBefore));
            // Both servers end on the same version, for the next row's first wait.
            publishRoutes(producer, version);
            floorFleet.close();
          }
        }
        if (args.length > 2 && args[2].equals("storm")) {
          int n = sizes.get(sizes.size() - 1);
          rows.add(storm("floor", floorPort, floor.pid(), n, "bench-v" + version, floorNacks));
          // A second replica with the default stream admission limit takes the storm.
          int stormPort = freePort();
          int stormAdmin = freePort();
          Process limited = startNode(classpath, kafka, etcd, "bench-storm", stormPort, stormAdmin);
          try {
            awaitListening(stormPort);
            rows.add(
                storm(
                    "meshgate",
                    stormPort,
                    limited.pid(),
                    n,
                    "bench-v" + version,
                    prefix -> nackedStreams(stormAdmin, prefix)));
          } finally {
            limited.destroy();
            limited.waitFor(10, TimeUnit.SECONDS);
          }
          rows.subList(rows.size() - 2, rows.size()).forEach(System.out::println);
        }
      } finally {
        ours.destroy();
        floor.destroy();
        ours.waitFor(10, TimeUnit.SECONDS);
        floor.waitFor(10, TimeUnit.SECONDS);
      }
    }
    write(rows);
  }

  /**
   * Scenario 4: N delta clients open their streams at once against one server; the time until all
   * hold the current config, how many streams were refused (and retried with backoff), the server's
   * CPU, and whether it survived. Reported as a row: p50/p99/max of the time each client got there.
   */
  private static Row storm(
      String target, int port, long pid, int n, String marker, ServerSide server) throws Exception {
    ServerNacks before = server.read(Fleet.NODE_PREFIX);
    long start = FleetClient.nowMicros();
    long cpuBefore = cpuTicks(pid);
    Fleet fleet = new Fleet(port, n, true);
    List<Long> synced = fleet.awaitMarker(marker, 300);
    double cpu = (cpuTicks(pid) - cpuBefore) / 100.0;
    int refusals = fleet.refusals();
    ServerNacks seen = server.read(Fleet.NODE_PREFIX).since(before);
    Nacks nacks =
        new Nacks(fleet.nacks(), fleet.resentAfterNack(), seen.streams(), seen.received());
    fleet.close();
    Row row = row(target + "-storm", "delta", n, synced, start, cpu, -1, refusals).withNacks(nacks);
    System.out.println(target + " storm: " + refusals + " streams refused and retried, " + nacks);
    return row;
  }

  /** Sets the NACK figures of one fleet on its rows, from {@code first} on. */
  private static void withNacks(List<Row> rows, int first, Fleet fleet, ServerNacks server) {
    Nacks nacks =
        new Nacks(fleet.nacks(), fleet.resentAfterNack(), server.streams(), server.received());
    for (int i = first; i < rows.size(); i++) {
      rows.set(i, rows.get(i).withNacks(nacks));
    }
    System.out.println("  " + nacks);
  }

  interface Change {
    /** Publishes the change with marker {@code bench-vVERSION}; its publish time (epoch micros). */
    long apply(int version) throws Exception;
  }

  private static final int NACK_WINDOW_SECONDS = 5;

  /** In the nack scenario, clients 0, 10, 20, ... refuse the change: 10 % of the fleet. */
  private static final int REJECTING_EVERY = 10;

  /**
   * Scenario "nack": N clients holding version V, of which every {@value #REJECTING_EVERY}th
   * refuses the route table of V+1 (a proxy rejecting a config, injected deterministically). V+1 is
   * published; once every client has ACKed or NACKed it, the NACKs and re-sends go on being counted
   * for {@value #NACK_WINDOW_SECONDS} s more; then V+2, which every client accepts, must reach all.
   * Two rows: {@code TARGET-nack} (latency to each client's ACK or NACK of V+1, the server's CPU
   * from the publish to the window's end, the NACK figures) and {@code TARGET-nack-recovered}
   * (latency to each client's ACK of V+2).
   */
  private static List<Row> nackScenario(
      String target,
      int port,
      long pid,
      int n,
      String protocol,
      int version,
      Change change,
      ServerSide server)
      throws Exception {
    String refused = "bench-v" + (version + 1);
    Fleet fleet = new Fleet(port, n, protocol.equals("delta"), null, refused);
    fleet.awaitMarker("bench-v" + version, 180);
    ServerNacks before = server.read(Fleet.REJECTING_PREFIX);
    long cpuBefore = cpuTicks(pid);
    long published = change.apply(version + 1);
    List<Long> answers = fleet.awaitAnswer(refused, 120);
    Thread.sleep(NACK_WINDOW_SECONDS * 1_000L);
    double cpu = (cpuTicks(pid) - cpuBefore) / 100.0;
    int sent = fleet.nacks();
    int resent = fleet.resentAfterNack();
    ServerNacks seen = server.read(Fleet.REJECTING_PREFIX).since(before);
    long fixed = change.apply(version + 2);
    List<Long> recovered = fleet.awaitMarker("bench-v" + (version + 2), 120);
    fleet.close();
    Nacks nacks = new Nacks(sent, resent, seen.streams(), seen.received());
    List<Row> rows =
        List.of(
            row(target + "-nack", protocol, n, answers, published, cpu, -1, -1).withNacks(nacks),
            row(target + "-nack-recovered", protocol, n, recovered, fixed, -1, -1, -1));
    rows.forEach(System.out::println);
    return rows;
  }

  /** Streams of meshgate's /debug/streams whose node id has the prefix and that hold a NACK. */
  private static ServerNacks nackedStreams(int adminPort, String nodePrefix) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + "/debug/streams"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "/debug/streams answered " + response.statusCode() + " (expected: 200)");
    }
    int nacked = 0;
    for (JsonNode stream : new ObjectMapper().readTree(response.body()).path("streams")) {
      if (!stream.path("nodeId").asText().startsWith(nodePrefix)) {
        continue;
      }
      for (JsonNode type : stream.path("types")) {
        if (!type.path("nackedVersion").isNull() && !type.path("nackedVersion").isMissingNode()) {
          nacked++;
          break;
        }
      }
    }
    return new ServerNacks(nacked, -1);
  }

  /** The floor's NACK counts since it started. */
  private static ServerNacks floorNacks(BufferedWriter in, BufferedReader out) throws Exception {
    in.write("nacks\n");
    in.flush();
    String[] line = expectLine(out, "nacks ").split(" ");
    return new ServerNacks(Integer.parseInt(line[2]), Long.parseLong(line[1]));
  }

  /**
   * TLS on versus off: the plaintext replica and a second replica with TLS and client certificates
   * (a CA, a server certificate and one proxyless client certificate made with the meshgate CLI),
   * the same change propagated to N delta clients of each, and the CPU each spent.
   */
  private static List<Row> tlsComparison(
      String classpath,
      BenchKafka kafka,
      LocalEtcd etcd,
      int plainPort,
      KafkaProducer<String, byte[]> producer,
      List<Integer> sizes)
      throws Exception {
    Path pki = Files.createTempDirectory("bench-pki");
    cli(classpath, "ca", "init", "--out", pki.resolve("ca").toString());
    cli(
        classpath,
        "cert",
        "issue",
        "--ca",
        pki.resolve("ca").toString(),
        "--server",
        "--ip",
        "127.0.0.1",
        "--out",
        pki.resolve("server").toString());
    cli(
        classpath,
        "cert",
        "issue",
        "--ca",
        pki.resolve("ca").toString(),
        "--group",
        "proxyless",
        "--out",
        pki.resolve("client").toString());
    int tlsPort = freePort();
    int tlsAdmin = freePort();
    Process secure =
        startNode(
            classpath,
            kafka,
            etcd,
            "bench-tls",
            tlsPort,
            tlsAdmin,
            "--max-new-streams-per-second",
            "100000",
            "--xds-tls-cert",
            pki.resolve("server/tls.crt").toString(),
            "--xds-tls-key",
            pki.resolve("server/tls.key").toString(),
            "--xds-client-ca",
            pki.resolve("ca/ca.crt").toString());
    List<Row> rows = new ArrayList<>();
    try {
      ProcessFigures.awaitReady(tlsAdmin, "bench/target/xds-node-*.log");
      io.netty.handler.ssl.SslContext tls =
          io.grpc.netty.GrpcSslContexts.forClient()
              .trustManager(pki.resolve("client/ca.crt").toFile())
              .keyManager(
                  pki.resolve("client/tls.crt").toFile(), pki.resolve("client/tls.key").toFile())
              .build();
      int version = 0;
      publishAll(producer, version);
      for (int n : sizes) {
        Fleet plain = new Fleet(plainPort, n, true);
        Fleet secured = new Fleet(tlsPort, n, true, tls);
        plain.awaitMarker("bench-v" + version, 300);
        secured.awaitMarker("bench-v" + version, 300);
        version++;
        long published = publishRoutes(producer, version);
        List<Long> plainAcks = plain.awaitMarker("bench-v" + version, 120);
        List<Long> tlsAcks = secured.awaitMarker("bench-v" + version, 120);
        rows.add(row("meshgate-plaintext", "delta", n, plainAcks, published, -1, -1, -1));
        rows.add(row("meshgate-tls", "delta", n, tlsAcks, published, -1, -1, -1));
        rows.subList(rows.size() - 2, rows.size()).forEach(System.out::println);
        plain.close();
        secured.close();
      }
    } finally {
      secure.destroy();
      secure.waitFor(10, TimeUnit.SECONDS);
    }
    return rows;
  }

  private static void cli(String classpath, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("java", "-cp", classpath, "io.meshgate.xds.cli.Meshgate"));
    command.addAll(List.of(args));
    run(true, command.toArray(String[]::new));
  }

  /**
   * A replica in its own JVM ({@code -Xmx1g}), logging to {@code bench/target/xds-node-ID.log};
   * with {@code BENCH_JFR=1} it also records a profile to {@code bench/target/xds-node-ID.jfr}.
   */
  private static Process startNode(
      String classpath,
      BenchKafka kafka,
      LocalEtcd etcd,
      String replicaId,
      int xdsPort,
      int adminPort,
      String... options)
      throws Exception {
    List<String> command = new ArrayList<>(serverCpus());
    command.addAll(List.of("java", "-Xmx1g"));
    if (System.getenv("BENCH_JFR") != null) {
      command.add(
          "-XX:StartFlightRecording=filename=bench/target/xds-node-"
              + replicaId
              + ".jfr,settings=profile");
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
            replicaId,
            "--xds-addr",
            "127.0.0.1:" + xdsPort,
            "--admin-addr",
            "127.0.0.1:" + adminPort));
    kafka
        .propertiesFile()
        .ifPresent(file -> command.addAll(List.of("--kafka-config", file.toString())));
    command.addAll(List.of(options));
    // Tethered: a bench killed with SIGKILL takes its replicas with it.
    return Tether.start(
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(Path.of("bench/target/xds-node-" + replicaId + ".log").toFile()));
  }

  /**
   * {@code taskset -c CPUS} when {@code BENCH_SERVER_CPUS} is set: the replicas and the floor run
   * on those CPUs, apart from the bench JVM (clients, Kafka) and etcd, which keep the affinity the
   * bench was started with ({@code taskset -c 1 bin/bench-fleet ...}).
   */
  private static List<String> serverCpus() {
    String cpus = System.getenv("BENCH_SERVER_CPUS");
    return cpus == null || cpus.isBlank() ? List.of() : List.of("taskset", "-c", cpus.trim());
  }

  /** Windows of idle CPU per server and fleet (env BENCH_SAMPLES, at least 5). */
  private static final int IDLE_SAMPLES = Math.max(5, SAMPLES);

  private static final int IDLE_WINDOW_SECONDS = 10;

  /** After the fleet synced and before the first window: the ACKs' status writes settle. */
  private static final int IDLE_SETTLE_SECONDS = 10;

  /**
   * Scenario "idle" (issue 24 §4): what a server spends with nothing changing. For each server,
   * {@value #IDLE_WINDOW_SECONDS}-s windows of its process CPU (user + system, {@code /proc}), in %
   * of one core: meshgate with no client (its own loops: the baseline), meshgate with N clients
   * connected and synced, the floor with the same N. One row per window. With {@code
   * BENCH_IDLE_JFR=1}, after meshgate's windows, a 30-s JFR profile of the idle replica with its N
   * clients to {@code bench/target/xds-node-idle-N.jfr} (outside the measured windows).
   */
  private static List<Row> idle(
      int oursPort, long oursPid, int floorPort, long floorPid, int n, String protocol, int version)
      throws Exception {
    boolean delta = protocol.equals("delta");
    List<Row> rows = new ArrayList<>();
    Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SETTLE_SECONDS));
    rows.addAll(idleWindows("meshgate-idle-no-clients", protocol, 0, oursPid));
    Fleet fleet = new Fleet(oursPort, n, delta);
    fleet.awaitMarker("bench-v" + version, 300);
    Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SETTLE_SECONDS));
    rows.addAll(idleWindows("meshgate-idle", protocol, n, oursPid));
    if (System.getenv("BENCH_IDLE_JFR") != null) {
      Path jfr = Path.of("bench/target/xds-node-idle-" + n + ".jfr").toAbsolutePath();
      run(
          true,
          "jcmd",
          Long.toString(oursPid),
          "JFR.start",
          "name=idle",
          "settings=profile",
          "filename=" + jfr);
      Thread.sleep(30_000);
      run(true, "jcmd", Long.toString(oursPid), "JFR.stop", "name=idle");
      System.out.println("idle profile: " + jfr);
    }
    fleet.close();
    Fleet floorFleet = new Fleet(floorPort, n, delta);
    floorFleet.awaitMarker("bench-v" + version, 300);
    Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SETTLE_SECONDS));
    rows.addAll(idleWindows("floor-idle", protocol, n, floorPid));
    floorFleet.close();
    return rows;
  }

  private static List<Row> idleWindows(String target, String protocol, int n, long pid)
      throws Exception {
    List<Row> rows = new ArrayList<>();
    for (int window = 0; window < IDLE_SAMPLES; window++) {
      long before = cpuTicks(pid);
      Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_WINDOW_SECONDS));
      double percent =
          (cpuTicks(pid) - before) * 100.0 / ProcessFigures.TICKS_PER_SECOND / IDLE_WINDOW_SECONDS;
      Row row = new Row(target, protocol, n, 0, 0, 0, 0, -1, -1, -1, percent, Nacks.NONE);
      rows.add(row);
      System.out.printf(
          "%s %s %d clients: idle CPU %.1f %% of a core%n", target, protocol, n, percent);
    }
    return rows;
  }

  /** Services and upstreams per sidecar in the mesh scenario (issue 24 §6). */
  private static final int MESH_SERVICES = 200;

  private static final int MESH_UPSTREAMS = 20;

  /**
   * Scenario "mesh" (issue 24 §6): {@link MeshConfig} with N sidecars (200 services, 20 upstreams
   * each) published to the replica, and N clients, each the Envoy of one Sidecar (its own group),
   * subscribing to its 20 upstreams' clusters and assignments. Then BENCH_SAMPLES times (at least
   * 5) one service changes: service 0's first endpoint moves to port {@link
   * FleetClient#MARKER_PORT_BASE} + V; latency runs from the Kafka record's timestamp to each
   * affected sidecar's (those calling service 0) ACK of the assignment holding it; the first change
   * waits until the sidecars' registrations have settled ({@link #awaitRegistrationsSettled}). Heap
   * per sidecar: the replica's heap after a full GC with the mesh published, every client synced
   * and registered, minus before the mesh was published, over N (config, snapshots and a stream
   * each). With {@code BENCH_MESH_JFR=1}, a JFR profile ({@code settings=profile}) of the replica
   * from the first change to the last, to {@code bench/target/xds-node-mesh-N.jfr}. No floor:
   * {@link FloorServer} holds only the proxyless fleet's snapshots.
   */
  private static List<Row> mesh(
      KafkaProducer<String, byte[]> producer,
      int port,
      int adminPort,
      long pid,
      int n,
      String protocol)
      throws Exception {
    MeshConfig mesh = new MeshConfig(n, MESH_SERVICES, MESH_UPSTREAMS);
    long heapBefore = heapUsedBytes(pid);
    publishMesh(producer, mesh, 0, resource -> true);
    List<FleetClient> clients = new ArrayList<>();
    List<FleetClient> affected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Integer> upstreams = mesh.upstreamsOf(i);
      FleetClient client =
          FleetClient.sidecar(
              "mesh-" + i,
              "sidecar-" + i,
              protocol.equals("delta"),
              upstreams.stream().map(s -> "default/svc-" + s).toList());
      clients.add(client);
      if (upstreams.contains(0)) {
        affected.add(client);
      }
    }
    long connecting = System.nanoTime();
    Fleet fleet = new Fleet(port, clients);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    while (clients.stream().anyMatch(c -> c.endpointsHeld() < MESH_UPSTREAMS)) {
      if (System.nanoTime() > deadline) {
        long missing = clients.stream().filter(c -> c.endpointsHeld() < MESH_UPSTREAMS).count();
        throw new IllegalStateException(missing + " sidecars never held their 20 assignments");
      }
      Thread.sleep(50);
    }
    Fleet.awaitMarker("bench-v0", 60, affected);
    System.out.printf(
        "mesh: %d sidecars synced %d s after connecting; %d call service 0%n",
        n, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - connecting), affected.size());
    awaitRegistrationsSettled(adminPort);
    long heapAfter = heapUsedBytes(pid);
    Path jfr = Path.of("bench/target/xds-node-mesh-" + n + ".jfr").toAbsolutePath();
    boolean profiled = System.getenv("BENCH_MESH_JFR") != null;
    if (profiled) {
      run(
          true,
          "jcmd",
          Long.toString(pid),
          "JFR.start",
          "name=mesh",
          "settings=profile",
          "filename=" + jfr);
    }
    List<Row> rows = new ArrayList<>();
    for (int version = 1; version <= Math.max(5, SAMPLES); version++) {
      long cpuBefore = cpuTicks(pid);
      Map<String, Double> countersBefore = buildCounters(adminPort);
      long published =
          publishMesh(
              producer,
              mesh,
              version,
              r -> r.kind().wireName().equals("Backend") && r.metadata().name().equals("svc-0"));
      List<Long> latency = Fleet.awaitMarker("bench-v" + version, 120, affected);
      double cpu = (cpuTicks(pid) - cpuBefore) / 100.0;
      // The sidecars ACK while the build is still sending to other streams; the build is counted
      // only once it has sent to all of them. Wait for the change's own build to be counted.
      Map<String, Double> countersAfter = buildCounters(adminPort);
      long counted = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (countersAfter.get("built").equals(countersBefore.get("built"))
          && System.nanoTime() < counted) {
        Thread.sleep(20);
        countersAfter = buildCounters(adminPort);
      }
      System.out.printf(
          "  change %d: %.0f builds, %.2f s in builds (the replica's meshgate_pipeline_build);"
              + " %.0f of them built this change (meshgate_config_event_age_seconds"
              + "{stage=\"built\"}), counted %.0f ms after the last affected ACK%n",
          version,
          countersAfter.get("builds") - countersBefore.get("builds"),
          countersAfter.get("seconds") - countersBefore.get("seconds"),
          countersAfter.get("built") - countersBefore.get("built"),
          (FleetClient.nowMicros() - Collections.max(latency)) / 1000.0);
      System.out.printf(
          "  change %d: the holdoff was woken by %s and started %s rebuilds%n",
          version,
          since(countersBefore, countersAfter, CHANGES, "input"),
          since(countersBefore, countersAfter, RELEASES, "by"));
      rows.add(
          row(
              "meshgate-mesh",
              protocol,
              affected.size(),
              latency,
              published,
              cpu,
              (heapAfter - heapBefore) / n,
              -1));
      System.out.println(rows.get(rows.size() - 1));
      Thread.sleep(1_000);
    }
    if (profiled) {
      run(true, "jcmd", Long.toString(pid), "JFR.stop", "name=mesh");
      System.out.println("profile of the changes: " + jfr);
    }
    System.out.println("  NACKs sent by the sidecars: " + fleet.nacks());
    fleet.close();
    return rows;
  }

  /**
   * Waits until the sidecars' registrations have stopped reaching the replica's pipeline ({@code
   * meshgate_pipeline_changes_total{input="registrations"}} unmoved for 3 s; at most 300 s). Each
   * sidecar's stream registers its inbound endpoint one etcd round trip at a time, so the last
   * registrations arrive well after every sidecar holds its assignments, and each batch wakes an
   * endpoint build: a change made while they still arrive measures that tail, not the change (seen
   * on 2026-12-08, when it lasted from one change of a run to all five).
   */
  private static void awaitRegistrationsSettled(int adminPort) throws Exception {
    long started = System.nanoTime();
    long deadline = started + TimeUnit.SECONDS.toNanos(300);
    double seen = registrationChanges(adminPort);
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(3)
        && System.nanoTime() < deadline) {
      Thread.sleep(250);
      double now = registrationChanges(adminPort);
      if (now != seen) {
        seen = now;
        quietSince = System.nanoTime();
      }
    }
    System.out.printf(
        "mesh: registrations settled %d s after the fleet synced (%.0f registration changes reached"
            + " the pipeline in all)%s%n",
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
        seen,
        System.nanoTime() >= deadline ? "; gave up waiting after 300 s" : "");
  }

  private static double registrationChanges(int adminPort) throws Exception {
    return ReplicaScrape.of(adminPort).value(CHANGES, "input=\"registrations\"");
  }

  /**
   * The replica's builds so far and the seconds they took, from its {@code /metrics} ({@code
   * meshgate_pipeline_build_seconds} count and sum): {@code builds}, {@code seconds}.
   */
  private static Map<String, Double> buildCounters(int adminPort) throws Exception {
    ReplicaScrape scrape = ReplicaScrape.of(adminPort);
    Map<String, Double> counters = new java.util.TreeMap<>(holdoffCounters(scrape));
    counters.put("builds", scrape.value("meshgate_pipeline_build_seconds_count", null));
    counters.put("seconds", scrape.value("meshgate_pipeline_build_seconds_sum", null));
    counters.put(
        "built", scrape.value("meshgate_config_event_age_seconds_count", "stage=\"built\""));
    return counters;
  }

  /** Publishes the mesh's resources {@code which} at marker {@code version}; the last timestamp. */
  private static long publishMesh(
      KafkaProducer<String, byte[]> producer,
      MeshConfig mesh,
      int version,
      Predicate<Resource> which)
      throws Exception {
    String yaml = mesh.yamlWithFirstEndpointPort(FleetClient.MARKER_PORT_BASE + version);
    return publish(producer, yaml, which);
  }

  interface Tick {
    void apply(int tick) throws Exception;
  }

  private static final int CHURN_SECONDS = 20;

  /** How long the bench waits, after the last tick, for every client to hold its changes. */
  private static final int CHURN_ARRIVAL_SECONDS = 120;

  /**
   * Scenario 3: N clients holding the 1,000 assignments of the churn config; then, {@code
   * BENCH_SAMPLES} times on the same clients, a window of {@value #CHURN_SECONDS} ticks one second
   * apart, each changing 1 % of the 20,000 endpoints (ticks go on counting from window to window).
   * A window opens once every client holds the state before its first tick, and closes once every
   * client holds the state after its last (each assignment's highest port tells which change it
   * is), so every change published in it is delivered in it. Reported per window (issue 24 §3): the
   * bytes each client received per second of ticks; the EDS bytes per changed assignment delivered
   * (an assignment received that differs from the one the client held) against the lower bound, the
   * mean size of the assignments that changed as the client received them; how long after the last
   * tick the last client held it; the EDS responses per client per tick; and, for meshgate ({@code
   * adminPort} ≥ 0), its builds and EDS responses over the window from its own counters ({@code
   * meshgate_pipeline_builds_total}, {@code meshgate_xds_responses_total}).
   */
  private static List<Row> churn(
      String target, int port, int adminPort, int n, String protocol, Tick tick, int firstTick)
      throws Exception {
    Map<String, List<String>> names =
        Map.of(
            FleetClient.ENDPOINT,
            java.util.stream.IntStream.range(0, FleetConfig.CHURN_BACKENDS)
                .mapToObj(b -> "default/svc-" + b)
                .toList());
    tick.apply(firstTick);
    List<FleetClient> clients = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i % STREAMS_PER_CONNECTION == 0) {
        channels.add(
            NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .maxInboundMessageSize(64 << 20)
                .build());
      }
      FleetClient client = new FleetClient("churn-" + i, protocol.equals("delta"), names);
      client.connect(channels.get(channels.size() - 1));
      clients.add(client);
    }
    List<Row> rows = new ArrayList<>();
    long held = awaitChurnState(clients, firstTick, 300);
    System.out.printf(
        "%s %s churn: %d clients hold tick %d (%.1f s)%n",
        target, protocol, n, firstTick, held / 1e9);
    Thread.sleep(2_000);
    for (int sample = 0; sample < SAMPLES; sample++) {
      int from = firstTick + sample * CHURN_SECONDS;
      rows.add(churnWindow(target, adminPort, n, protocol, tick, clients, from));
    }
    clients.forEach(FleetClient::close);
    channels.forEach(ManagedChannel::shutdownNow);
    return rows;
  }

  /** One churn window, ticks {@code from + 1} to {@code from + CHURN_SECONDS}; see churn. */
  private static Row churnWindow(
      String target,
      int adminPort,
      int n,
      String protocol,
      Tick tick,
      List<FleetClient> clients,
      int from)
      throws Exception {
    int last = from + CHURN_SECONDS;
    long before = clients.stream().mapToLong(FleetClient::bytesReceived).sum();
    long edsBefore = clients.stream().mapToLong(FleetClient::endpointBytes).sum();
    long changedBefore = clients.stream().mapToLong(FleetClient::assignmentsChanged).sum();
    long unchangedBefore = clients.stream().mapToLong(FleetClient::assignmentsUnchanged).sum();
    long responsesBefore = clients.stream().mapToLong(FleetClient::endpointResponses).sum();
    Map<String, Double> countersBefore = adminPort < 0 ? Map.of() : churnCounters(adminPort);
    long start = System.nanoTime();
    for (int t = from + 1; t <= last; t++) {
      tick.apply(t);
      long next = start + TimeUnit.SECONDS.toNanos(t - from);
      while (System.nanoTime() < next && t < last) {
        Thread.sleep(10);
      }
    }
    // A tick is published once every record of it is acknowledged; on a busy machine that takes
    // longer than the second between ticks, and the window stretches.
    double tickSeconds = (System.nanoTime() - start) / 1e9;
    // The last tick is published: wait until every client holds it.
    long arrival = awaitChurnState(clients, last, CHURN_ARRIVAL_SECONDS);
    long bytes = clients.stream().mapToLong(FleetClient::bytesReceived).sum() - before;
    long edsBytes = clients.stream().mapToLong(FleetClient::endpointBytes).sum() - edsBefore;
    long changed =
        clients.stream().mapToLong(FleetClient::assignmentsChanged).sum() - changedBefore;
    long unchanged =
        clients.stream().mapToLong(FleetClient::assignmentsUnchanged).sum() - unchangedBefore;
    long responses =
        clients.stream().mapToLong(FleetClient::endpointResponses).sum() - responsesBefore;
    Map<String, Double> countersAfter = adminPort < 0 ? Map.of() : churnCounters(adminPort);
    // The lower bound: each tick's changed assignments, once each, at the size received.
    FleetClient first = clients.get(0);
    long lowerBound = 0;
    long changes = 0;
    for (int t = from + 1; t <= last; t++) {
      for (int b = 0; b < FleetConfig.CHURN_BACKENDS; b++) {
        if (FleetConfig.changedAt(b, t)) {
          lowerBound += first.assignmentBytes("default/svc-" + b);
          changes++;
        }
      }
    }
    double assignmentMean = lowerBound / (double) changes;
    double perChange = edsBytes / (double) changed;
    long perClientPerSecond = bytes / n / CHURN_SECONDS;
    System.out.printf(
        "%s %s churn, ticks %d-%d: the last tick held by every client %.2f s after it was"
            + " published; %.1f of %d changes delivered per client (%.1f assignments sent again);"
            + " %.2f EDS responses per client per tick; %d bytes per client per second; EDS %.1f"
            + " bytes per changed assignment delivered, lower bound %.1f (mean changed"
            + " assignment): %.3fx%n",
        target,
        protocol,
        from + 1,
        last,
        arrival / 1e9,
        changed / (double) n,
        changes,
        unchanged / (double) n,
        responses / (double) n / CHURN_SECONDS,
        perClientPerSecond,
        perChange,
        assignmentMean,
        perChange / assignmentMean);
    if (adminPort >= 0) {
      double builds = countersAfter.get("builds") - countersBefore.get("builds");
      double seen = countersAfter.get("seen") - countersBefore.get("seen");
      System.out.printf(
          "%s %s churn, ticks %d-%d, the replica's counters: %.0f builds (%.2f per tick), %.0f EDS"
              + " responses (%.2f per stream per tick)%n",
          target,
          protocol,
          from + 1,
          last,
          builds,
          builds / CHURN_SECONDS,
          countersAfter.get("eds") - countersBefore.get("eds"),
          (countersAfter.get("eds") - countersBefore.get("eds")) / n / CHURN_SECONDS);
      System.out.printf(
          "%s %s churn, ticks %d-%d: %d ticks published in %.1f s (%.2f s a tick); %.2f builds"
              + " per second of ticks, %.1f s building (%.0f ms a build); %.0f applier"
              + " transactions seen (%.1f per tick, %.1f per build), mean age when applied"
              + " %.0f ms, when built %.0f ms%n",
          target,
          protocol,
          from + 1,
          last,
          CHURN_SECONDS,
          tickSeconds,
          tickSeconds / (CHURN_SECONDS - 1),
          builds / tickSeconds,
          countersAfter.get("buildSeconds") - countersBefore.get("buildSeconds"),
          (countersAfter.get("buildSeconds") - countersBefore.get("buildSeconds")) / builds * 1000,
          seen,
          seen / CHURN_SECONDS,
          seen / builds,
          meanMs(countersBefore, countersAfter, "applied"),
          meanMs(countersBefore, countersAfter, "built"));
      System.out.printf(
          "%s %s churn, ticks %d-%d: the holdoff was woken by %s and started %s rebuilds%n",
          target,
          protocol,
          from + 1,
          last,
          since(countersBefore, countersAfter, CHANGES, "input"),
          since(countersBefore, countersAfter, RELEASES, "by"));
    }
    return new Row(
        target + "-churn", protocol, n, 0, 0, 0, 0, -1, -1, perClientPerSecond, -1, Nacks.NONE);
  }

  /**
   * Waits until every client holds every churn assignment as of {@code tick}; the nanoseconds it
   * waited.
   */
  private static long awaitChurnState(List<FleetClient> clients, int tick, int timeoutSeconds)
      throws InterruptedException {
    int[] ports = new int[FleetConfig.CHURN_BACKENDS];
    for (int b = 0; b < ports.length; b++) {
      ports[b] = 9000 + FleetConfig.lastTick(b, tick);
    }
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    for (FleetClient client : clients) {
      for (int b = 0; b < ports.length; b++) {
        while (client.assignmentPort("default/svc-" + b) != ports[b]) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "churn clients never held tick "
                    + tick
                    + " (svc-"
                    + b
                    + " at "
                    + client.assignmentPort("default/svc-" + b)
                    + ", expected "
                    + ports[b]
                    + ")");
          }
          Thread.sleep(5);
        }
      }
    }
    return System.nanoTime() - start;
  }

  /**
   * The replica's builds (every outcome) and EDS responses (both protocols) so far, from its {@code
   * /metrics}: {@code builds}, {@code eds}.
   */
  private static Map<String, Double> churnCounters(int adminPort) throws Exception {
    ReplicaScrape scrape = ReplicaScrape.of(adminPort);
    String age = "meshgate_config_event_age_seconds";
    Map<String, Double> counters = new java.util.TreeMap<>(holdoffCounters(scrape));
    counters.putAll(
        Map.of(
            "builds", scrape.value("meshgate_pipeline_builds_total", null),
            "buildSeconds", scrape.value("meshgate_pipeline_build_seconds_sum", null),
            "eds", scrape.value("meshgate_xds_responses_total", "type=\"ClusterLoadAssignment\""),
            "seen", scrape.value(age + "_count", "stage=\"seen\""),
            "applied", scrape.value(age + "_count", "stage=\"applied\""),
            "appliedSeconds", scrape.value(age + "_sum", "stage=\"applied\""),
            "built", scrape.value(age + "_count", "stage=\"built\""),
            "builtSeconds", scrape.value(age + "_sum", "stage=\"built\"")));
    return counters;
  }

  /** The holdoff's changes by input and its releases by reason, keyed for {@link #since}. */
  private static Map<String, Double> holdoffCounters(ReplicaScrape scrape) {
    Map<String, Double> counters = new java.util.TreeMap<>();
    for (String input : List.of("config", "keys", "registrations", "discovery")) {
      counters.put(CHANGES + " input=" + input, scrape.value(CHANGES, "input=\"" + input + "\""));
    }
    for (String by : List.of("leading_edge", "quiet", "max")) {
      counters.put(RELEASES + " by=" + by, scrape.value(RELEASES, "by=\"" + by + "\""));
    }
    return counters;
  }

  private static final String CHANGES = "meshgate_pipeline_changes_total";

  private static final String RELEASES = "meshgate_pipeline_holdoff_releases_total";

  /** The increase of each series of {@code name} between two churnCounters, as "label N, ...". */
  private static String since(
      Map<String, Double> before, Map<String, Double> after, String name, String label) {
    List<String> parts = new ArrayList<>();
    for (var entry : after.entrySet()) {
      if (entry.getKey().startsWith(name + " " + label + "=")) {
        parts.add(
            String.format(
                "%.0f %s",
                entry.getValue() - before.get(entry.getKey()),
                entry.getKey().substring(name.length() + label.length() + 2)));
      }
    }
    return String.join(", ", parts);
  }

  /** The mean of a {@code meshgate_config_event_age_seconds} stage between two churnCounters. */
  private static double meanMs(
      Map<String, Double> before, Map<String, Double> after, String stage) {
    double count = after.get(stage) - before.get(stage);
    return (after.get(stage + "Seconds") - before.get(stage + "Seconds")) / count * 1000;
  }

  /** Tick 0: every churn Backend; tick t: the 200 that change. */
  private static void publishChurn(KafkaProducer<String, byte[]> producer, int tick)
      throws Exception {
    EventEncoder encoder = EventEncoder.forSource("bench-churn");
    List<String> documents = new ArrayList<>();
    for (int b = 0; b < FleetConfig.CHURN_BACKENDS; b++) {
      if (tick == 0 || FleetConfig.changedAt(b, tick)) {
        documents.add(FleetConfig.churnBackend(b, tick));
      }
    }
    String yaml = String.join("---\n", documents);
    List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
    for (Resource resource : LargeConfig.parse(yaml, 1).resources().values()) {
      ConfigEvent event =
          encoder.applied(
              resource.withMetadata(resource.metadata().withoutBookkeeping()),
              OptionalLong.empty());
      ProducerRecord<String, byte[]> record = EventPublisher.record(event);
      sent.add(producer.send(record));
    }
    for (var future : sent) {
      future.get(30, TimeUnit.SECONDS);
    }
  }

  private static void awaitListening(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (java.io.IOException e) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("nothing listens on " + port);
  }

  private static Row row(
      String target,
      String protocol,
      int n,
      List<Long> acks,
      long publishedMicros,
      double cpu,
      long heapPerClient,
      int refused) {
    Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    // A Kafka timestamp has millisecond resolution: an ACK can look up to 1 ms early.
    acks.forEach(a -> latency.recordValue(Math.max(0, a - publishedMicros)));
    return new Row(
        target,
        protocol,
        n,
        latency.getValueAtPercentile(50) / 1000.0,
        latency.getValueAtPercentile(99) / 1000.0,
        latency.getMaxValue() / 1000.0,
        cpu,
        heapPerClient,
        refused,
        -1,
        -1,
        Nacks.NONE);
  }

  /** Publishes the Backend (first time) and the GRPCRoute with marker N; the record's timestamp. */
  /** Publishes every resource of the fleet's config at this version: the first publication. */
  private static long publishAll(KafkaProducer<String, byte[]> producer, int version)
      throws Exception {
    return publish(producer, version, resource -> true);
  }

  /** Publishes only the GRPCRoutes at this version: the change each sample measures. */
  private static long publishRoutes(KafkaProducer<String, byte[]> producer, int version)
      throws Exception {
    return publish(producer, version, resource -> resource.kind().wireName().equals("GRPCRoute"));
  }

  private static long publish(
      KafkaProducer<String, byte[]> producer, int version, Predicate<Resource> which)
      throws Exception {
    return publish(producer, FleetConfig.yaml(version), which);
  }

  /**
   * Publishes the documents of {@code yaml} that {@code which} picks, in order; the timestamp of
   * the last record (epoch micros). All are sent before the first acknowledgement is awaited.
   */
  private static long publish(
      KafkaProducer<String, byte[]> producer, String yaml, Predicate<Resource> which)
      throws Exception {
    EventEncoder encoder = EventEncoder.forSource("bench-fleet");
    List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
    for (Resource resource : LargeConfig.parse(yaml, 1).resources().values()) {
      if (!which.test(resource)) {
        continue;
      }
      ConfigEvent event =
          encoder.applied(
              resource.withMetadata(resource.metadata().withoutBookkeeping()),
              OptionalLong.empty());
      ProducerRecord<String, byte[]> record = EventPublisher.record(event);
      sent.add(producer.send(record));
    }
    long timestamp = 0;
    for (java.util.concurrent.Future<RecordMetadata> metadata : sent) {
      timestamp = Math.max(timestamp, metadata.get(30, TimeUnit.SECONDS).timestamp() * 1000);
    }
    return timestamp;
  }

  private static long setFloor(BufferedWriter in, BufferedReader out, int version)
      throws Exception {
    in.write("set " + version + "\n");
    in.flush();
    String line = expectLine(out, "set " + version);
    return Long.parseLong(line.split(" ")[2]);
  }

  private static String expectLine(BufferedReader out, String prefix) throws Exception {
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new IllegalStateException("the floor server ended before '" + prefix + "'");
  }

  /** Heap in use after a full GC (shared with the discovery bench). */
  private static long heapUsedBytes(long pid) throws Exception {
    return ProcessFigures.heapUsedBytes(pid);
  }

  /** User + system CPU ticks (1/100 s) of a process (shared with the discovery bench). */
  private static long cpuTicks(long pid) throws Exception {
    return ProcessFigures.cpuTicks(pid);
  }

  /** Runs a command and returns its output; with {@code check}, a non-zero exit fails. */
  private static String run(boolean check, String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean ended = process.waitFor(30, TimeUnit.SECONDS);
    if (check && (!ended || process.exitValue() != 0)) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void write(List<Row> rows) throws Exception {
    Path dir = Path.of("bench/results");
    Files.createDirectories(dir);
    StringBuilder json = new StringBuilder("{\n  \"date\": \"" + LocalDate.now() + "\",\n");
    json.append("  \"cpus\": ").append(Runtime.getRuntime().availableProcessors()).append(",\n");
    json.append("  \"streamsPerConnection\": ").append(STREAMS_PER_CONNECTION).append(",\n");
    json.append("  \"rows\": [\n");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      json.append(
          String.format(
              "    {\"target\": \"%s\", \"protocol\": \"%s\", \"clients\": %d, \"p50Ms\": %.1f,"
                  + " \"p99Ms\": %.1f, \"maxMs\": %.1f, \"cpuSeconds\": %.2f,"
                  + " \"heapPerClientBytes\": %d, \"refusedStreams\": %d, \"bytesPerClientPerSecond\": %d, \"steadyCpuPercent\": %.1f,"
                  + " \"nacks\": %d, \"resentAfterNack\": %d, \"serverNackedStreams\": %d, \"serverNacks\": %d}%s%n",
              r.target(),
              r.protocol(),
              r.clients(),
              r.p50Ms(),
              r.p99Ms(),
              r.maxMs(),
              r.cpuSeconds(),
              r.heapPerClientBytes(),
              r.refusedStreams(),
              r.bytesPerClientPerSecond(),
              r.steadyCpuPercent(),
              r.nacks().sent(),
              r.nacks().resent(),
              r.nacks().serverStreams(),
              r.nacks().serverReceived(),
              i == rows.size() - 1 ? "" : ","));
    }
    json.append("  ]\n}\n");
    String tag = System.getenv().getOrDefault("BENCH_TAG", "");
    Path file =
        dir.resolve("fleet-" + LocalDate.now() + (tag.isEmpty() ? "" : "-" + tag) + ".json");
    Files.writeString(file, json);
    System.out.println("results: " + file);
  }

  /** N clients over connections of {@value #STREAMS_PER_CONNECTION} streams each. */
  private static final class Fleet {
    /** Node ids are this prefix and the client's index. */
    static final String NODE_PREFIX = "fleet-";

    /** The node id prefix of a fleet some of whose clients refuse a change. */
    static final String REJECTING_PREFIX = "nack-";

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<FleetClient> clients = new ArrayList<>();

    Fleet(int port, int n, boolean delta) {
      this(port, n, delta, null);
    }

    /** With {@code tls}, each connection presents the group's client certificate. */
    Fleet(int port, int n, boolean delta, io.netty.handler.ssl.SslContext tls) {
      this(port, n, delta, tls, null);
    }

    /**
     * With {@code refusedMarker}, clients 0, {@value #REJECTING_EVERY}, ... refuse the route table
     * carrying it, and node ids start with {@value #REJECTING_PREFIX}.
     */
    Fleet(
        int port, int n, boolean delta, io.netty.handler.ssl.SslContext tls, String refusedMarker) {
      String prefix = refusedMarker == null ? NODE_PREFIX : REJECTING_PREFIX;
      for (int i = 0; i < n; i++) {
        if (i % STREAMS_PER_CONNECTION == 0) {
          NettyChannelBuilder builder =
              NettyChannelBuilder.forAddress("127.0.0.1", port).maxInboundMessageSize(16 << 20);
          channels.add((tls == null ? builder.usePlaintext() : builder.sslContext(tls)).build());
        }
        FleetClient client = new FleetClient(prefix + i, delta);
        if (refusedMarker != null && i % REJECTING_EVERY == 0) {
          client.rejects(refusedMarker);
        }
        client.connect(channels.get(channels.size() - 1));
        clients.add(client);
      }
    }

    /** The clients given, unconnected, over connections of {@value #STREAMS_PER_CONNECTION}. */
    Fleet(int port, List<FleetClient> unconnected) {
      for (int i = 0; i < unconnected.size(); i++) {
        if (i % STREAMS_PER_CONNECTION == 0) {
          channels.add(
              NettyChannelBuilder.forAddress("127.0.0.1", port)
                  .maxInboundMessageSize(16 << 20)
                  .usePlaintext()
                  .build());
        }
        FleetClient client = unconnected.get(i);
        client.connect(channels.get(channels.size() - 1));
        clients.add(client);
      }
    }

    /** Waits until every client ACKed or NACKed the marker; the times it did (epoch micros). */
    List<Long> awaitAnswer(String marker, int timeoutSeconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (clients.stream().anyMatch(c -> answer(c, marker) == null)) {
        if (System.nanoTime() > deadline) {
          long missing = clients.stream().filter(c -> answer(c, marker) == null).count();
          throw new IllegalStateException(missing + " clients never answered " + marker);
        }
        Thread.sleep(5);
      }
      return clients.stream().map(c -> answer(c, marker)).toList();
    }

    private static Long answer(FleetClient client, String marker) {
      Long acked = client.acked(marker);
      return acked != null ? acked : client.nacked(marker);
    }

    int resentAfterNack() {
      return clients.stream().mapToInt(FleetClient::resentAfterNack).sum();
    }

    /** Waits until every client ACKed the marker; their ACK times (epoch micros). */
    List<Long> awaitMarker(String marker, int timeoutSeconds) throws InterruptedException {
      return awaitMarker(marker, timeoutSeconds, clients);
    }

    /** Waits until each of {@code clients} ACKed the marker; their ACK times (epoch micros). */
    static List<Long> awaitMarker(String marker, int timeoutSeconds, List<FleetClient> clients)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (clients.stream().anyMatch(c -> c.acked(marker) == null)) {
        if (System.nanoTime() > deadline) {
          long missing = clients.stream().filter(c -> c.acked(marker) == null).count();
          Throwable error =
              clients.stream()
                  .map(FleetClient::error)
                  .filter(e -> e != null)
                  .findFirst()
                  .orElse(null);
          throw new IllegalStateException(
              missing + " clients never got " + marker + (error == null ? "" : ": " + error));
        }
        Thread.sleep(5);
      }
      return clients.stream().map(c -> c.acked(marker)).toList();
    }

    int refusals() {
      return clients.stream().mapToInt(FleetClient::refusals).sum();
    }

    int nacks() {
      return clients.stream().mapToInt(FleetClient::nacks).sum();
    }

    void close() {
      clients.forEach(FleetClient::close);
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}
