package io.meshgate.config.event;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standard Kafka client properties read from a file ({@code MESHGATE_KAFKA_CONFIG}, as {@code
 * kafka-console-producer --producer.config} and kcat {@code -F} take them): {@code
 * security.protocol}, {@code sasl.*}, {@code ssl.*} and anything else a Kafka client understands.
 * Keys meshgate does not know are passed to Kafka as they are.
 *
 * <p>Every meshgate client (publisher, applier consumer, rejected-topic producer, topic admin)
 * takes these properties, then sets on top only what meshgate needs to work: {@link #ENFORCED}.
 *
 * <p>{@link #toString()} masks secrets ({@code *password*}, {@code *secret*}, {@code
 * sasl.jaas.config}, {@code ssl.keystore.key}); nothing logs the properties otherwise.
 */
public final class KafkaClientConfig {
  private static final Logger log = LoggerFactory.getLogger(KafkaClientConfig.class);
  private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();
  private static final Set<String> PROTOCOLS =
      Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
  private static final Set<String> FILE_KEYS =
      Set.of("ssl.truststore.location", "ssl.keystore.location");

  /**
   * Settings meshgate sets itself whatever the file says: where Kafka is ({@code --kafka}), how
   * records are (de)serialised, the applier's consumer group and offset handling, and the
   * publisher's idempotence with {@code acks=all} (which keeps a namespace's events in order).
   */
  public static final Set<String> ENFORCED =
      Set.of(
          "bootstrap.servers",
          "key.serializer",
          "value.serializer",
          "key.deserializer",
          "value.deserializer",
          "group.id",
          "enable.auto.commit",
          "enable.idempotence",
          "acks");

  private static final KafkaClientConfig NONE = new KafkaClientConfig(null, Map.of());

  private final Path file;
  private final Map<String, String> properties;

  private KafkaClientConfig(Path file, Map<String, String> properties) {
    this.file = file;
    this.properties = Map.copyOf(properties);
  }

  /** No file: Kafka's defaults (PLAINTEXT, no authentication). */
  public static KafkaClientConfig none() {
    return NONE;
  }

  /** Properties given in code (tests, embedded use); checked as a file's are. */
  public static KafkaClientConfig of(Map<String, String> properties) {
    check(null, properties);
    return new KafkaClientConfig(null, properties);
  }

  /**
   * Reads and checks {@code file}; warns once per file when others may read it.
   *
   * @throws IllegalArgumentException naming the file and the key when a value is wrong
   */
  public static KafkaClientConfig load(Path file) {
    return load(file, log::warn);
  }

  static KafkaClientConfig load(Path file, Consumer<String> warnings) {
    requireNonNull(file, "file");
    Properties read = new Properties();
    try (Reader reader = Files.newBufferedReader(file)) {
      read.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Kafka client config " + file, e);
    }
    Map<String, String> properties = new TreeMap<>();
    read.stringPropertyNames().forEach(k -> properties.put(k, read.getProperty(k).trim()));
    check(file, properties);
    worldReadable(file)
        .filter(mode -> WARNED.add(file.toAbsolutePath().normalize()))
        .ifPresent(
            mode ->
                warnings.accept(
                    "Kafka client config "
                        + file
                        + " is readable by every user (mode "
                        + mode
                        + "); it may hold passwords and keys: chmod 600 it"));
    properties.keySet().stream()
        .filter(ENFORCED::contains)
        .forEach(
            k ->
                warnings.accept(
                    "Kafka client config " + file + ": " + k + " is ignored; meshgate sets it"));
    return new KafkaClientConfig(file, properties);
  }

  /**
   * Meshgate's {@code defaults} (overridable by the file), then the file, then meshgate's {@link
   * #ENFORCED} settings from {@code defaults}.
   */
  public Map<String, Object> over(Map<String, Object> defaults) {
    Map<String, Object> merged = new HashMap<>(defaults);
    merged.putAll(properties);
    defaults.forEach(
        (k, v) -> {
          if (ENFORCED.contains(k)) {
            merged.put(k, v);
          }
        });
    return merged;
  }

  public Map<String, String> properties() {
    return properties;
  }

  /** The properties as they may be logged: every secret's value is {@code [hidden]}. */
  public Map<String, String> redacted() {
    Map<String, String> shown = new TreeMap<>();
    properties.forEach((k, v) -> shown.put(k, isSecret(k) ? "[hidden]" : v));
    return shown;
  }

  static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password")
        || k.contains("secret")
        || k.endsWith("sasl.jaas.config")
        || k.endsWith("ssl.keystore.key");
  }

  @Override
  public String toString() {
    return "KafkaClientConfig" + (file == null ? "" : "(" + file + ")") + redacted();
  }

  private static void check(Path file, Map<String, String> properties) {
    String where = file == null ? "Kafka client config" : "Kafka client config " + file;
    String protocol = properties.get("security.protocol");
    if (protocol != null && !PROTOCOLS.contains(protocol.toUpperCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          where
              + ": security.protocol: '"
              + protocol
              + "' (expected: one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)");
    }
    for (String key : FILE_KEYS) {
      String location = properties.get(key);
      if (location != null && !Files.isReadable(Path.of(location))) {
        throw new IllegalArgumentException(
            where + ": " + key + ": " + location + " (expected: a readable file)");
      }
    }
  }

  /** The file's mode as {@code rw-r--r--} when others may read it. */
  private static Optional<String> worldReadable(Path file) {
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      return mode.contains(PosixFilePermission.OTHERS_READ)
          ? Optional.of(PosixFilePermissions.toString(mode))
          : Optional.empty();
    } catch (UnsupportedOperationException | IOException e) {
      return Optional.empty();
    }
  }
}
