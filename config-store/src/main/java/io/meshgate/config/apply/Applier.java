package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.etcd.jetcd.Client;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.Reason;
import io.meshgate.config.store.AppliedOffset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code meshgate.config} in the group {@code meshgate-appliers} and applies each event to
 * etcd exactly once.
 *
 * <p>A poll's consecutive records of one partition are applied in as few etcd transactions as
 * etcd's limits and their keys allow (a batch: records on disjoint keys, the last one's offset),
 * and the batches of a poll's partitions share a transaction where they fit (each with its own
 * offset guard and offset); every record still gets its own outcome, status and history entry, and
 * the hooks hear each one.
 *
 * <p>etcd, not Kafka, holds the truth about progress: each partition's last applied offset is
 * written in the same transaction as the event's effect, and on assignment the applier seeks to
 * that offset + 1. So redelivery, replays, rebalances and a crash between the etcd write and the
 * Kafka commit all apply an event once. Kafka's committed offsets are kept only for lag metrics.
 *
 * <p>When etcd does not answer, the applier pauses every partition (nothing advances), keeps
 * polling so it stays in the group, and retries with backoff; when etcd answers again it re-seeks
 * from the stored offsets and carries on.
 *
 * <p>Threading: one thread, owned by the applier, does all the work; {@link #close()} may be called
 * from any thread.
 */
public final class Applier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Applier.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  /**
   * Seams for tests, metrics and tracing; every method runs on the applier's thread and must return
   * at once.
   */
  public interface Hooks {
    Hooks NONE = new Hooks() {};

    /**
     * The W3C trace context to store with the record's offset, asked once per record the applier
     * applies (not for one it skips), before its transaction (with a batch, the last record's is
     * stored; every record's is asked). By default the record's own {@code traceparent} header when
     * it is valid; a tracer returns the context of the span it starts for the apply, so the
     * replicas continue the trace from there.
     */
    default Optional<String> traceparent(IncomingRecord record) {
      return AppliedOffset.traceparent(record.headers().get(AppliedOffset.TRACEPARENT_HEADER));
    }

    /**
     * After the transaction that applied the record commits, before the Kafka commit. With a batch
     * (consecutive records of a partition, or of several partitions, in one transaction), once per
     * record of it, in the order {@link #planned} gave them, after the one commit.
     */
    default void afterTransaction(IncomingRecord record) {}

    /**
     * After a transaction is planned, before it is sent: the records it applies (one, or a batch,
     * which may hold several partitions' records: each partition's in order, one partition after
     * the other).
     */
    default void planned(List<IncomingRecord> records) {}

    /** For a record whose offset etcd already holds: applied before, skipped now. */
    default void skipped(IncomingRecord record) {}

    /** When etcd failed and every partition was paused. */
    default void paused() {}

    /** Every record the applier is done with: applied, rejected, a duplicate or skipped. */
    default void applied(AppliedEvent event) {}

    /**
     * After each poll, for each assigned partition whose lag the consumer knows: the log end offset
     * less the consumer's position, from the consumer's last fetch (no extra request to Kafka).
     */
    default void lag(String topic, int partition, long records) {}

    /**
     * These hooks, then {@code next}'s, for every call; the trace context stored is this one's (put
     * the tracer first).
     */
    default Hooks andThen(Hooks next) {
      Hooks first = this;
      return new Hooks() {
        @Override
        public Optional<String> traceparent(IncomingRecord record) {
          return first.traceparent(record);
        }

        @Override
        public void planned(List<IncomingRecord> records) {
          first.planned(records);
          next.planned(records);
        }

        @Override
        public void afterTransaction(IncomingRecord record) {
          first.afterTransaction(record);
          next.afterTransaction(record);
        }

        @Override
        public void skipped(IncomingRecord record) {
          first.skipped(record);
          next.skipped(record);
        }

        @Override
        public void paused() {
          first.paused();
          next.paused();
        }

        @Override
        public void applied(AppliedEvent event) {
          first.applied(event);
          next.applied(event);
        }

        @Override
        public void lag(String topic, int partition, long records) {
          first.lag(topic, partition, records);
          next.lag(topic, partition, records);
        }
      };
    }
  }

  private final ApplierSettings settings;
  private final AppliedLog applied;
  private final RecordApplier recordApplier;
  private final Hooks hooks;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> rejectedProducer;
  private final Thread thread;
  private final Set<TopicPartition> needsSeek = new HashSet<>();
  private final Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
  private volatile boolean running = true;
  private volatile Throwable failure;
  private volatile String kafkaProblem;
  private Duration backoff = MIN_BACKOFF;
  private long retryAtNanos;

  public Applier(ApplierSettings settings, Client etcd, Planner planner, Hooks hooks) {
    this.settings = requireNonNull(settings, "settings");
    this.applied =
        new AppliedLog(
            requireNonNull(etcd, "etcd"),
            settings.etcdTimeout(),
            requireNonNull(planner, "planner").limits());
    this.consumer = new KafkaConsumer<>(consumerConfig(settings));
    this.rejectedProducer = new KafkaProducer<>(producerConfig(settings));
    this.hooks = hooks;
    this.recordApplier =
        new RecordApplier(
            applied,
            requireNonNull(planner, "planner"),
            requireNonNull(hooks, "hooks"),
            this::copyToRejected);
    this.thread = new Thread(this::run, "meshgate-applier-" + settings.clientId());
  }

  /**
   * Creates the topics if missing, then starts consuming on the applier's thread. When Kafka
   * refuses the applier's credentials or permissions, it starts anyway, reports {@link
   * #kafkaProblem()} and keeps trying, so the credentials can be fixed on the broker's side.
   */
  public Applier start() {
    try {
      Topics.ensure(
          settings.bootstrapServers(),
          settings.kafkaClient(),
          settings.topic(),
          settings.rejectedTopic());
    } catch (IllegalStateException e) {
      Throwable refused = refusal(e);
      if (refused == null) {
        throw e;
      }
      kafkaRefused(refused);
    }
    thread.start();
    return this;
  }

  /**
   * Why Kafka refuses this applier (failed authentication, or a missing ACL), while it does; empty
   * once a poll succeeds.
   */
  public Optional<String> kafkaProblem() {
    return Optional.ofNullable(kafkaProblem);
  }

  /** The error that stopped the applier's thread, if one did. */
  public Throwable failure() {
    return failure;
  }

  public boolean isRunning() {
    return thread.isAlive();
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      consumer.subscribe(List.of(settings.topic()), new Rebalance());
      while (running) {
        if (!needsSeek.isEmpty() && System.nanoTime() >= retryAtNanos) {
          seekFromEtcd();
        }
        ConsumerRecords<String, byte[]> records;
        try {
          records = consumer.poll(POLL);
        } catch (AuthenticationException | AuthorizationException e) {
          kafkaRefused(e);
          // The consumer reconnects with its own backoff; this only keeps the loop from spinning.
          Thread.sleep(MIN_BACKOFF.toMillis());
          continue;
        }
        if (kafkaProblem != null) {
          log.info("applier {}: Kafka accepts its credentials again", settings.clientId());
          kafkaProblem = null;
        }
        long polledAt = System.nanoTime();
        List<List<ConsumerRecord<String, byte[]>>> poll = new ArrayList<>();
        for (TopicPartition partition : records.partitions()) {
          if (!needsSeek.contains(partition)) {
            poll.add(records.records(partition));
          }
        }
        if (!poll.isEmpty()) {
          applyOrPause(poll, polledAt);
        }
        commitProgress();
        reportLag();
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      failure = e;
      log.error("applier {} stopped", settings.clientId(), e);
    } finally {
      try {
        commitProgress();
      } catch (RuntimeException e) {
        log.debug("final commit failed", e);
      }
      consumer.close(Duration.ofSeconds(5));
      rejectedProducer.close(Duration.ofSeconds(5));
    }
  }

  /**
   * Applies a poll's records (one list per partition), the batches of several partitions in one
   * transaction where they fit; pauses everything when etcd fails.
   */
  private void applyOrPause(List<List<ConsumerRecord<String, byte[]>>> poll, long polledAt) {
    List<List<IncomingRecord>> incoming = new ArrayList<>(poll.size());
    for (List<ConsumerRecord<String, byte[]>> records : poll) {
      List<IncomingRecord> partition = new ArrayList<>(records.size());
      records.forEach(r -> partition.add(toIncoming(r)));
      incoming.add(partition);
    }
    try {
      recordApplier.applyPoll(
          incoming,
          (record, done) -> {
            hooks.applied(
                new AppliedEvent(
                    record.topic(),
                    record.partition(),
                    record.timestamp(),
                    done.result(),
                    Duration.ofNanos(System.nanoTime() - polledAt),
                    Duration.ofNanos(done.transactionNanos())));
            toCommit.put(
                new TopicPartition(record.topic(), record.partition()),
                new OffsetAndMetadata(record.offset() + 1));
            backoff = MIN_BACKOFF;
          });
    } catch (EtcdUnavailableException e) {
      List<String> from = new ArrayList<>();
      poll.forEach(
          records ->
              from.add(
                  records.get(0).topic()
                      + "-"
                      + records.get(0).partition()
                      + "@"
                      + records.get(0).offset()));
      log.warn(
          "etcd unavailable while applying a poll of {}: {}; pausing, retry in {} ms",
          from,
          e.getMessage(),
          backoff.toMillis());
      pauseEverything();
    }
  }

  /** The consumer's own lag per assigned partition, as of its last fetch. */
  private void reportLag() {
    for (TopicPartition partition : consumer.assignment()) {
      OptionalLong lag = consumer.currentLag(partition);
      if (lag.isPresent()) {
        hooks.lag(partition.topic(), partition.partition(), lag.getAsLong());
      }
    }
  }

  private void copyToRejected(IncomingRecord record, List<Reason> rejectedFor) {
    RejectedCopy scrubbed = RejectedCopy.of(record);
    ProducerRecord<String, byte[]> copy =
        new ProducerRecord<>(settings.rejectedTopic(), record.key(), scrubbed.value());
    record
        .headers()
        .forEach(
            (k, v) -> copy.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
    List<Map<String, String>> reasons = new ArrayList<>();
    rejectedFor.forEach(r -> reasons.add(Map.of("path", r.path(), "message", r.message())));
    copy.headers().add(new RecordHeader("meshgate_reasons", json(reasons)));
    if (!scrubbed.removed().isEmpty()) {
      // What was taken out: plaintext private values of a Secret never travel on.
      copy.headers().add(new RecordHeader("meshgate_removed", json(scrubbed.removed())));
    }
    copy.headers()
        .add(
            new RecordHeader(
                "meshgate_origin",
                (record.topic() + "/" + record.partition() + "/" + record.offset())
                    .getBytes(StandardCharsets.UTF_8)));
    try {
      rejectedProducer.send(copy).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // The outcome is still recorded in etcd; the copy is a convenience for operators.
      log.warn(
          "cannot copy rejected record {}/{}@{} to {}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          settings.rejectedTopic(),
          e.toString());
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void kafkaRefused(Throwable e) {
    String problem = e.getClass().getSimpleName() + ": " + e.getMessage();
    if (!problem.equals(kafkaProblem)) {
      log.warn("applier {}: Kafka refuses it: {}", settings.clientId(), problem);
    }
    kafkaProblem = problem;
  }

  /** The authentication or authorization error in {@code e}'s causes, if any. */
  private static Throwable refusal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
        return t;
      }
    }
    return null;
  }

  private void pauseEverything() {
    hooks.paused();
    recordApplier.forgetOffsets();
    Set<TopicPartition> assigned = consumer.assignment();
    consumer.pause(assigned);
    needsSeek.addAll(assigned);
    retryAtNanos = System.nanoTime() + backoff.toNanos();
    backoff =
        backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
  }

  /** Seeks every partition waiting for it to its stored offset + 1, and resumes it. */
  private void seekFromEtcd() {
    Set<TopicPartition> done = new HashSet<>();
    try {
      for (TopicPartition partition : needsSeek) {
        if (!consumer.assignment().contains(partition)) {
          done.add(partition);
          continue;
        }
        AppliedLog.StoredOffset stored = applied.offset(partition.topic(), partition.partition());
        consumer.seek(partition, stored.offset() + 1);
        consumer.resume(List.of(partition));
        done.add(partition);
      }
      backoff = MIN_BACKOFF;
    } catch (EtcdUnavailableException e) {
      log.warn(
          "etcd unavailable reading stored offsets: {}; retry in {} ms",
          e.getMessage(),
          backoff.toMillis());
      retryAtNanos = System.nanoTime() + backoff.toNanos();
      backoff =
          backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
              ? MAX_BACKOFF
              : backoff.multipliedBy(2);
    } finally {
      needsSeek.removeAll(done);
    }
  }

  private void commitProgress() {
    if (toCommit.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>(toCommit);
    toCommit.clear();
    consumer.commitAsync(
        offsets,
        (o, e) -> {
          if (e != null) {
            log.debug("offset commit failed (advisory only): {}", e.toString());
          }
        });
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      // Paused until seeked from etcd, so no record is read from Kafka's committed offset.
      consumer.pause(partitions);
      needsSeek.addAll(partitions);
      // Another applier may have written these partitions' offsets since this one last did.
      recordApplier.forgetOffsets();
      retryAtNanos = System.nanoTime();
      seekFromEtcd();
      log.info("applier {} assigned {}", settings.clientId(), partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      needsSeek.removeAll(partitions);
      partitions.forEach(toCommit::remove);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      onPartitionsRevoked(partitions);
    }
  }

  private static IncomingRecord toIncoming(ConsumerRecord<String, byte[]> record) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (Header header : record.headers()) {
      headers.put(
          header.key(),
          header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
    }
    return new IncomingRecord(
        record.topic(),
        record.partition(),
        record.offset(),
        record.timestamp() < 0 ? AppliedOffset.NO_TIMESTAMP : record.timestamp(),
        record.key(),
        headers,
        record.value());
  }

  private static byte[] json(Object value) {
    try {
      return Mappers.json().writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> consumerConfig(ApplierSettings settings) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "meshgate-applier-" + settings.clientId());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    settings
        .kafkaOverrides()
        .forEach(
            (k, v) -> {
              if (ConsumerConfig.configNames().contains(k)) {
                config.put(k, v);
              }
            });
    return settings.kafkaClient().over(config);
  }

  private static Map<String, Object> producerConfig(ApplierSettings settings) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "meshgate-applier-rejects-" + settings.clientId());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    return settings.kafkaClient().over(config);
  }
}
