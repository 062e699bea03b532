package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.store.EtcdConnection;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.PagedRead;
import io.meshgate.config.store.StoreReader;
import io.meshgate.meshbridge.meshca.MeshCaRoot;
import io.meshgate.meshbridge.meshca.MeshCaRoots;
import io.meshgate.meshbridge.meshca.MeshCaSettings;
import io.meshgate.meshbridge.meshca.RootSet;
import io.meshgate.meshbridge.meshca.RootState;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.serve.ErrorDetails;
import io.meshgate.xds.status.AckState;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meshgate check}: is the estate healthy? One line per area (etcd, Kafka and the applier,
 * replicas, proxies, discovery sources, certificates), ✓ when it is, ! for a warning, ✗ for a
 * failure, each of the last two with a hint; exit 1 when any line is ✗. Every network call is
 * bounded by {@code --timeout}, so a missing etcd or Kafka is reported, not waited for.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Checks the estate: etcd quorum and latency, Kafka and the applier's lag, replicas agreeing"
          + " on the config, proxies rejecting config, stale discovery sources, certificates near"
          + " expiry. Prints one ✓, ! or ✗ line per finding with a hint; exits 1 on any ✗."
    })
final class CheckCommand implements Callable<Integer> {
  /** How many rejections are named before the rest are counted. */
  static final int MAX_REJECTIONS_NAMED = 5;

  /** The most characters of a proxy's error detail shown on a line (its first line only). */
  static final int MAX_DETAIL_CHARS = 200;

  /** How long a replica may be behind the config before it counts: one build's holdoff and more. */
  static final Duration REPLICA_SLACK = Duration.ofSeconds(3);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--cert-warn",
      defaultValue = "30d",
      converter = DaysConverter.class,
      description =
          "Warn (!) about certificates that expire within this long (default ${DEFAULT-VALUE}).")
  Duration certWarn;

  @Option(
      names = "--etcd-latency-warn",
      defaultValue = "100ms",
      converter = DurationConverter.class,
      description =
          "Warn (!) when a linearizable etcd read takes longer (default ${DEFAULT-VALUE}).")
  Duration etcdLatencyWarn;

  @Option(
      names = "--max-lag",
      defaultValue = "1000",
      description =
          "Fail (✗) when more events than this wait to be applied (default ${DEFAULT-VALUE}).")
  long maxLag;

  @Option(
      names = "--stuck-after",
      defaultValue = "1m",
      converter = DurationConverter.class,
      description =
          "Fail (✗) when the oldest event not applied was published longer ago (default"
              + " ${DEFAULT-VALUE}).")
  Duration stuckAfter;

  private final Clock clock = Clock.systemUTC();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<CheckLine> lines = new ArrayList<>();
    Consumer<CheckLine> report =
        line -> {
          lines.add(line);
          line.print(out);
        };
    EtcdConnection connection = cluster.etcdConnection();
    try (Client etcd = connection.connectFailingFast()) {
      boolean etcdAnswers = etcd(etcd, connection.endpoints(), report);
      StoreReader reader = etcdAnswers ? new StoreReader(etcd, cluster.timeout()) : null;
      kafka(reader, report);
      if (etcdAnswers) {
        List<JsonNode> members = guarded("replicas", report, () -> members(etcd));
        if (members != null) {
          replicas(etcd, members, report);
          sources(members, report);
        }
        guarded("proxies", report, () -> proxies(etcd, report));
        guarded("certificates", report, () -> certificates(etcd, reader, report));
      } else {
        report.accept(
            CheckLine.warn(
                "replicas, proxies, discovery, certificates",
                "not checked: they are read from etcd",
                "bring etcd back first"));
      }
    }
    return lines.stream().anyMatch(l -> l.mark() == CheckLine.Mark.FAIL)
        ? Meshgate.EXIT_RUNTIME_ERROR
        : Meshgate.EXIT_OK;
  }

  // ---- etcd

  /** Every endpoint's status, the leader they name, and a linearizable read; whether etcd reads. */
  private boolean etcd(Client etcd, List<URI> endpoints, Consumer<CheckLine> report) {
    Map<URI, CompletableFuture<StatusResponse>> asked = new LinkedHashMap<>();
    for (URI endpoint : endpoints) {
      asked.put(endpoint, etcd.getMaintenanceClient().statusMember(endpoint.toString()));
    }
    long deadline = System.nanoTime() + cluster.timeout().toNanos();
    Map<URI, StatusResponse> answered = new LinkedHashMap<>();
    List<String> silent = new ArrayList<>();
    asked.forEach(
        (endpoint, status) -> {
          try {
            answered.put(endpoint, status.get(remaining(deadline), TimeUnit.NANOSECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            silent.add(address(endpoint));
          } catch (ExecutionException | TimeoutException e) {
            status.cancel(true);
            silent.add(address(endpoint));
          }
        });
    String within = " within " + Reachability.text(cluster.timeout());
    if (answered.isEmpty()) {
      report.accept(
          CheckLine.fail(
              "etcd",
              "no member answers at " + String.join(", ", silent) + within,
              "is etcd running there? MESHGATE_ETCD names its client URLs; `etcdctl endpoint"
                  + " status` asks the same"));
      return false;
    }
    if (!silent.isEmpty()) {
      report.accept(
          CheckLine.fail(
              "etcd",
              silent.size()
                  + " of "
                  + endpoints.size()
                  + " members do not answer: "
                  + String.join(", ", silent)
                  + within,
              "the others keep quorum while they are a majority; restart the member or remove"
                  + " it (`etcdctl member remove`)"));
    }
    Set<String> leaders = new TreeSet<>();
    answered.values().forEach(s -> leaders.add(Long.toHexString(s.getLeader())));
    if (leaders.contains("0")) {
      report.accept(
          CheckLine.fail(
              "etcd",
              "no leader (asked " + answered.size() + " members)",
              "a majority of the members must be up and reach each other to elect one"));
    } else if (leaders.size() > 1) {
      report.accept(
          CheckLine.fail(
              "etcd",
              "members disagree on the leader: " + String.join(", ", leaders),
              "a network partition? `etcdctl endpoint status --cluster` shows each member's"
                  + " view"));
    } else {
      report.accept(
          CheckLine.pass(
              "etcd",
              answered.size()
                  + " of "
                  + endpoints.size()
                  + " members answer, leader "
                  + leaders.iterator().next()));
    }
    long started = System.nanoTime();
    try {
      // Linearizable (jetcd's default): it goes through the leader and a quorum.
      etcd.getKVClient()
          .get(ByteSequence.from(Keyspace.LEADER, UTF_8))
          .get(cluster.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      report.accept(
          CheckLine.fail(
              "etcd",
              "a linearizable read did not succeed" + within + ": " + Meshgate.reason(e),
              "without quorum etcd cannot serve reads or writes; bring a majority of members"
                  + " back"));
      return false;
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    if (millis > etcdLatencyWarn.toMillis()) {
      report.accept(
          CheckLine.warn(
              "etcd",
              "a linearizable read took "
                  + millis
                  + " ms (over "
                  + etcdLatencyWarn.toMillis()
                  + ")",
              "slow disks or a distant leader; etcd wants SSDs and low network latency"));
    } else {
      report.accept(CheckLine.pass("etcd", "a linearizable read took " + millis + " ms"));
    }
    return true;
  }

  // ---- Kafka and the applier

  private void kafka(@Nullable StoreReader reader, Consumer<CheckLine> report) {
    Duration timeout = cluster.timeout();
    int millis = Reachability.millis(timeout);
    String at = NodeSettings.redacted(cluster.kafka);
    try (Admin admin =
        Admin.create(Reachability.adminConfig(cluster.kafka, cluster.kafkaClient(), timeout))) {
      int brokers;
      try {
        brokers =
            admin
                .describeCluster(new DescribeClusterOptions().timeoutMs(millis))
                .nodes()
                .get(millis + 1_000L, TimeUnit.MILLISECONDS)
                .size();
      } catch (ExecutionException | TimeoutException e) {
        report.accept(
            CheckLine.fail(
                "kafka",
                "no broker answers at " + at + " within " + Reachability.text(timeout),
                "is Kafka running there? MESHGATE_KAFKA names it; a TLS or SASL listener needs"
                    + " MESHGATE_KAFKA_CONFIG"));
        return;
      }
      TopicDescription topic;
      try {
        topic =
            admin
                .describeTopics(List.of(ConfigEvent.TOPIC))
                .allTopicNames()
                .get(millis + 1_000L, TimeUnit.MILLISECONDS)
                .get(ConfigEvent.TOPIC);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          report.accept(
              CheckLine.fail(
                  "kafka",
                  brokers
                      + " brokers answer at "
                      + at
                      + ", but topic "
                      + ConfigEvent.TOPIC
                      + " does not exist",
                  "a node's applier creates it when it starts: is a node running against this"
                      + " Kafka?"));
        } else {
          report.accept(
              CheckLine.fail(
                  "kafka",
                  "topic " + ConfigEvent.TOPIC + " cannot be described: " + Meshgate.reason(e),
                  "the principal of MESHGATE_KAFKA_CONFIG needs DESCRIBE on the topic"));
        }
        return;
      } catch (TimeoutException e) {
        report.accept(
            CheckLine.fail(
                "kafka",
                "topic "
                    + ConfigEvent.TOPIC
                    + " was not described within "
                    + Reachability.text(timeout),
                "a broker answers but is slow or overloaded"));
        return;
      }
      report.accept(
          CheckLine.pass(
              "kafka",
              brokers
                  + (brokers == 1 ? " broker answers" : " brokers answer")
                  + " at "
                  + at
                  + "; topic "
                  + ConfigEvent.TOPIC
                  + " has "
                  + topic.partitions().size()
                  + " partitions"));
      if (reader == null) {
        report.accept(
            CheckLine.warn(
                "applier",
                "lag not checked: the applied offsets are in etcd",
                "bring etcd back first"));
        return;
      }
      applierLag(admin, topic, reader, millis, report);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void applierLag(
      Admin admin,
      TopicDescription topic,
      StoreReader reader,
      int millis,
      Consumer<CheckLine> report)
      throws InterruptedException {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicPartitionInfo p : topic.partitions()) {
      latest.put(new TopicPartition(ConfigEvent.TOPIC, p.partition()), OffsetSpec.latest());
    }
    Map<Integer, Long> ends = new TreeMap<>();
    try {
      admin
          .listOffsets(latest)
          .all()
          .get(millis + 1_000L, TimeUnit.MILLISECONDS)
          .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
    } catch (ExecutionException | TimeoutException e) {
      report.accept(
          CheckLine.fail(
              "applier",
              "the topic's end offsets could not be read: " + Meshgate.reason(e),
              "the principal of MESHGATE_KAFKA_CONFIG needs DESCRIBE on the topic"));
      return;
    }
    // The exactly-once truth: the offset the applier stored in etcd with the event's effect.
    Map<Integer, Long> waiting = new TreeMap<>();
    Map<Integer, Long> applied = new TreeMap<>();
    ends.forEach(
        (partition, end) -> {
          long offset = reader.appliedOffset(ConfigEvent.TOPIC, partition);
          applied.put(partition, offset);
          long lag = Math.max(0, end - 1 - offset);
          if (lag > 0) {
            waiting.put(partition, lag);
          }
        });
    long total = waiting.values().stream().mapToLong(Long::longValue).sum();
    if (total == 0) {
      report.accept(
          CheckLine.pass(
              "applier", "every event is applied (" + ends.size() + " partitions, lag 0)"));
      return;
    }
    Map<Integer, Instant> oldest = oldestWaiting(waiting.keySet(), applied);
    Instant now = clock.instant();
    List<String> stuck = new ArrayList<>();
    oldest.forEach(
        (partition, published) -> {
          Duration age = Duration.between(published, now);
          if (age.compareTo(stuckAfter) > 0) {
            stuck.add(
                "partition "
                    + partition
                    + " (offset "
                    + (applied.get(partition) + 1)
                    + ", published "
                    + ago(age)
                    + " ago, "
                    + waiting.get(partition)
                    + " waiting)");
          }
        });
    if (!stuck.isEmpty()) {
      report.accept(
          CheckLine.fail(
              "applier",
              "events are not applied: " + String.join(", ", stuck),
              "is a node with the applier running? Its log says why it does not apply (Kafka"
                  + " or etcd errors, a full etcd)"));
    } else if (total > maxLag) {
      report.accept(
          CheckLine.fail(
              "applier",
              events(total) + " not applied yet (over --max-lag " + maxLag + ")",
              "the applier falls behind the publishers; see its apply latency and etcd's"));
    } else {
      report.accept(
          CheckLine.pass(
              "applier",
              events(total)
                  + " on their way (published less than "
                  + Reachability.text(stuckAfter)
                  + " ago)"));
    }
  }

  /** When the first event not applied of each partition was published, as far as Kafka says. */
  private Map<Integer, Instant> oldestWaiting(Set<Integer> partitions, Map<Integer, Long> applied) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(
        ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Reachability.millis(cluster.timeout()));
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
    Map<String, Object> merged = cluster.kafkaClient().over(config);
    merged.keySet().retainAll(ConsumerConfig.configNames());
    Map<Integer, Instant> oldest = new TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(merged)) {
      List<TopicPartition> assigned =
          partitions.stream().map(p -> new TopicPartition(ConfigEvent.TOPIC, p)).toList();
      consumer.assign(assigned);
      assigned.forEach(tp -> consumer.seek(tp, applied.get(tp.partition()) + 1));
      long deadline = System.nanoTime() + cluster.timeout().toNanos();
      while (oldest.size() < partitions.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          oldest.putIfAbsent(record.partition(), Instant.ofEpochMilli(record.timestamp()));
        }
      }
    }
    return oldest;
  }

  // ---- replicas and their discovery sources

  private List<JsonNode> members(Client etcd) throws Exception {
    List<JsonNode> members = new ArrayList<>();
    for (KeyValue kv : list(etcd, Keyspace.ROOT + "members/")) {
      members.add(Mappers.json().readTree(kv.getValue().getBytes()));
    }
    return members;
  }

  private void replicas(Client etcd, List<JsonNode> first, Consumer<CheckLine> report) {
    if (first.isEmpty()) {
      report.accept(
          CheckLine.fail(
              "replicas",
              "no replica reports to etcd",
              "is a node running? Each writes "
                  + Keyspace.ROOT
                  + "members/<replica> every 500 ms"));
      return;
    }
    Long config = guarded("replicas", report, () -> configRevision(etcd));
    if (config == null) {
      return;
    }
    List<JsonNode> members = first;
    Map<String, Long> behind = behind(members, config);
    // A replica builds within a holdoff of a change: give it that long before naming it.
    Duration slack =
        REPLICA_SLACK.compareTo(cluster.timeout()) < 0 ? REPLICA_SLACK : cluster.timeout();
    long deadline = System.nanoTime() + slack.toNanos();
    while (!behind.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(250);
        members = members(etcd);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        break;
      }
      behind = behind(members, config);
    }
    List<String> names = members.stream().map(m -> m.path("replica").asText()).sorted().toList();
    if (behind.isEmpty()) {
      report.accept(
          CheckLine.pass(
              "replicas",
              members.size()
                  + (members.size() == 1 ? " replica" : " replicas")
                  + " ("
                  + sample(names)
                  + ") built the config's revision "
                  + config));
      return;
    }
    List<String> described = new ArrayList<>();
    behind.forEach(
        (replica, built) ->
            described.add(
                built < 0 ? replica + " has not built yet" : replica + " built revision " + built));
    report.accept(
        CheckLine.fail(
            "replicas",
            behind.size()
                + " of "
                + members.size()
                + " replicas are behind the config's revision "
                + config
                + ": "
                + sample(described),
            "see that replica's log and /readyz; it keeps serving what it built last"));
  }

  private static Map<String, Long> behind(List<JsonNode> members, long config) {
    Map<String, Long> behind = new TreeMap<>();
    for (JsonNode member : members) {
      long built = member.path("builtRevision").asLong(-1);
      if (built < config) {
        behind.put(member.path("replica").asText(), built);
      }
    }
    return behind;
  }

  /** The revision of the latest write to a resource still stored. */
  private long configRevision(Client etcd) throws Exception {
    GetResponse latest =
        etcd.getKVClient()
            .get(
                ByteSequence.from(Keyspace.resourcesPrefix(), UTF_8),
                GetOption.builder()
                    .isPrefix(true)
                    .withSortField(GetOption.SortTarget.MOD)
                    .withSortOrder(GetOption.SortOrder.DESCEND)
                    .withLimit(1)
                    .withKeysOnly(true)
                    .build())
            .get(cluster.timeout().toMillis(), TimeUnit.MILLISECONDS);
    return latest.getKvs().isEmpty() ? 0 : latest.getKvs().get(0).getModRevision();
  }

  /** What each replica says of its outside sources (the member key's {@code sources}). */
  private void sources(List<JsonNode> members, Consumer<CheckLine> report) {
    int watched = 0;
    boolean stale = false;
    Instant now = clock.instant();
    for (JsonNode member : members) {
      for (Map.Entry<String, JsonNode> kind : fields(member.path("sources"))) {
        JsonNode source = kind.getValue();
        watched += source.path("watches").asInt();
        int notAnswering = source.path("stale").asInt();
        if (notAnswering > 0) {
          stale = true;
          String since = source.path("staleSince").asText("");
          String age =
              since.isEmpty() ? "" : " (" + ago(Duration.between(Instant.parse(since), now)) + ")";
          report.accept(
              CheckLine.fail(
                  "discovery",
                  "replica "
                      + member.path("replica").asText()
                      + ": "
                      + notAnswering
                      + " of "
                      + source.path("watches").asInt()
                      + " "
                      + kind.getKey()
                      + " sources do not answer, since "
                      + since
                      + age,
                  "`meshgate get backend -A -o yaml` names them (status.endpoints); their last"
                      + " endpoints are served"));
        }
      }
    }
    if (!stale) {
      report.accept(
          CheckLine.pass(
              "discovery",
              watched == 0
                  ? "no outside source (Consul, Nomad, DNS) is watched"
                  : watched + " watches of outside sources answer"));
    }
  }

  // ---- proxies

  private Void proxies(Client etcd, Consumer<CheckLine> report) throws Exception {
    int connected = 0;
    Set<String> groups = new TreeSet<>();
    List<String> rejections = new ArrayList<>();
    for (KeyValue kv : list(etcd, Keyspace.ROOT + "acks/")) {
      JsonNode summary = Mappers.json().readTree(kv.getValue().getBytes());
      String group = summary.path("group").asText();
      groups.add(group);
      connected += summary.path("connected").asInt();
      for (JsonNode proxy : summary.path("proxies")) {
        if (AckState.fromWireName(proxy.path("state").asText()) != AckState.REJECTED) {
          continue;
        }
        int count = proxy.path("count").asInt(1);
        String node = proxy.path("nodes").path(0).asText(proxy.path("node").asText());
        String type = proxy.path("typeUrl").asText();
        rejections.add(
            "proxy "
                + node
                + (count > 1 ? " (and " + (count - 1) + " more)" : "")
                + " of "
                + group
                + " (replica "
                + summary.path("replica").asText()
                + ") rejected "
                + type.substring(type.lastIndexOf('.') + 1)
                + ": "
                + firstLine(proxy.path("errorDetail").asText()));
      }
    }
    for (int i = 0; i < Math.min(rejections.size(), MAX_REJECTIONS_NAMED); i++) {
      report.accept(
          CheckLine.fail(
              "proxies",
              rejections.get(i),
              "it keeps its last good config; `meshgate status` on the group's Gateway names the"
                  + " resource"));
    }
    if (rejections.size() > MAX_REJECTIONS_NAMED) {
      report.accept(
          CheckLine.fail(
              "proxies",
              (rejections.size() - MAX_REJECTIONS_NAMED) + " more kinds of rejection",
              "fix the ones above first: one bad resource often makes many proxies reject"));
    }
    if (rejections.isEmpty()) {
      report.accept(
          CheckLine.pass(
              "proxies",
              connected + " connected in " + groups.size() + " groups; none rejects its config"));
    }
    return null;
  }

  /** The detail's first line, at most {@link #MAX_DETAIL_CHARS} characters. */
  static String firstLine(String detail) {
    String line = ErrorDetails.cut(detail, ErrorDetails.MAX_BYTES).lines().findFirst().orElse("");
    return line.length() <= MAX_DETAIL_CHARS ? line : line.substring(0, MAX_DETAIL_CHARS) + "…";
  }

  // ---- certificates

  private Void certificates(Client etcd, StoreReader reader, Consumer<CheckLine> report)
      throws Exception {
    Instant now = clock.instant();
    int checked = 0;
    boolean found = false;
    for (Resource secret : reader.list(Kind.SECRET, null)) {
      Map<String, String> data = secret.spec(SecretSpec.class).data();
      for (String key : List.of("tls.crt", "ca.crt")) {
        String value = data.get(key);
        if (value == null) {
          continue;
        }
        String name = "Secret " + secret.key().namespace() + "/" + secret.key().name() + " " + key;
        Instant notAfter;
        try {
          notAfter = earliestExpiry(Base64.getMimeDecoder().decode(value));
        } catch (CertificateException | IllegalArgumentException e) {
          found = true;
          report.accept(
              CheckLine.warn(
                  "certificates",
                  name + " holds no readable certificate",
                  "it should be PEM, base64-encoded in data"));
          continue;
        }
        checked++;
        found |= expiry(name, notAfter, now, "renew it and apply the Secret again", report);
      }
    }
    List<MeshCaRoot> roots =
        new MeshCaRoots(etcd, MeshCaSettings.DEFAULT_TRUST_DOMAIN, clock).read();
    RootSet set = new RootSet(roots, MeshCaSettings.DEFAULT_LEAF_TTL);
    for (MeshCaRoot root : roots) {
      if (set.state(root, now) == RootState.RETIRED) {
        continue;
      }
      checked++;
      found |=
          expiry(
              "mesh CA root " + root.id(),
              root.certificate().getNotAfter().toInstant(),
              now,
              "`meshgate mesh-ca rotate` makes a new root",
              report);
    }
    if (!found) {
      report.accept(
          CheckLine.pass(
              "certificates",
              checked
                  + " certificates (Secrets and mesh CA roots) are valid for more than "
                  + ago(certWarn)));
    }
    return null;
  }

  /** Reports an expired or soon expiring certificate; whether it did. */
  private boolean expiry(
      String name, Instant notAfter, Instant now, String hint, Consumer<CheckLine> report) {
    if (!notAfter.isAfter(now)) {
      report.accept(
          CheckLine.fail(
              "certificates",
              name
                  + " expired at "
                  + notAfter
                  + " ("
                  + ago(Duration.between(notAfter, now))
                  + " ago)",
              hint));
      return true;
    }
    if (notAfter.isBefore(now.plus(certWarn))) {
      report.accept(
          CheckLine.warn(
              "certificates",
              name
                  + " expires at "
                  + notAfter
                  + " (in "
                  + ago(Duration.between(now, notAfter))
                  + ")",
              hint));
      return true;
    }
    return false;
  }

  /** The earliest end of validity of the PEM certificates in {@code pem}. */
  static Instant earliestExpiry(byte[] pem) throws CertificateException {
    Instant earliest = null;
    for (var certificate :
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem))) {
      Instant notAfter = ((X509Certificate) certificate).getNotAfter().toInstant();
      if (earliest == null || notAfter.isBefore(earliest)) {
        earliest = notAfter;
      }
    }
    if (earliest == null) {
      throw new CertificateException("no certificate");
    }
    return earliest;
  }

  // ---- helpers

  /** Something that reads etcd and may fail. */
  @FunctionalInterface
  private interface Read<T> {
    T read() throws Exception;
  }

  /** The read's value, or null after reporting a ✗ for the area. */
  private @Nullable <T> T guarded(String area, Consumer<CheckLine> report, Read<T> read) {
    try {
      return read.read();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      report.accept(
          CheckLine.fail(
              area, "could not be read from etcd: " + Meshgate.reason(e), "is etcd answering?"));
      return null;
    }
  }

  private List<KeyValue> list(Client etcd, String prefix) throws Exception {
    CompletableFuture<PagedRead.Listing> read =
        PagedRead.all(etcd.getKVClient(), prefix, cluster.timeout());
    try {
      return read.get(cluster.timeout().toMillis() * 4, TimeUnit.MILLISECONDS).kvs();
    } finally {
      read.cancel(false);
    }
  }

  private static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
    node.fields().forEachRemaining(fields::add);
    return fields;
  }

  private static String events(long count) {
    return count == 1 ? "1 event" : count + " events";
  }

  private static String sample(List<String> items) {
    return items.size() <= 5
        ? String.join(", ", items)
        : String.join(", ", items.subList(0, 5)) + " and " + (items.size() - 5) + " more";
  }

  private static String address(URI endpoint) {
    return NodeSettings.redacted(endpoint.toString());
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  /** A duration for people: 12d, 5h, 3m, 40s. */
  static String ago(Duration duration) {
    long seconds = Math.max(0, duration.getSeconds());
    if (seconds >= 2 * 86_400) {
      return seconds / 86_400 + "d";
    }
    if (seconds >= 2 * 3_600) {
      return seconds / 3_600 + "h";
    }
    if (seconds >= 2 * 60) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  /** {@code 30d} as well as the durations {@link DurationConverter} takes. */
  static final class DaysConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern DAYS = Pattern.compile("(\\d{1,5})d");

    @Override
    public Duration convert(String value) {
      Matcher days = DAYS.matcher(value);
      return days.matches()
          ? Duration.of(Long.parseLong(days.group(1)), ChronoUnit.DAYS)
          : new DurationConverter().convert(value);
    }
  }
}
