package io.meshgate.embedded;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM.
 *
 * <p>Ports and data survive {@link #stop()} and {@link #start()}, so a test can take the broker
 * away and bring it back with its records. A broker built without a data directory owns a temporary
 * one and deletes it on {@link #close()}.
 *
 * <p>Not thread-safe for concurrent lifecycle calls from several threads other than through its
 * synchronized methods; clients may use it from any thread.
 */
public final class KraftBroker implements AutoCloseable {
  private static final String CLUSTER_ID_FILE = "meshgate-cluster-id";

  private final Path dataDir;
  private final boolean ownsDataDir;
  private final String host;
  private final int brokerPort;
  private final int controllerPort;
  private final Map<String, String> extraProperties;
  private final Map<String, Listener> extraListeners;

  private KafkaRaftServer server;

  private KraftBroker(Builder builder) {
    this.ownsDataDir = builder.dataDir == null;
    this.dataDir = ownsDataDir ? Directories.temp("meshgate-kafka-") : builder.dataDir;
    this.host = builder.host;
    this.brokerPort = FreePorts.orPick(builder.brokerPort);
    this.controllerPort = FreePorts.orPick(builder.controllerPort);
    this.extraProperties = Map.copyOf(builder.properties);
    Map<String, Listener> listeners = new LinkedHashMap<>();
    builder.listeners.forEach(
        (name, protocol) -> listeners.put(name, new Listener(name, protocol, FreePorts.orPick(0))));
    this.extraListeners = java.util.Collections.unmodifiableMap(listeners);
  }

  /** A listener besides PLAINTEXT and CONTROLLER, on a port picked when the broker is built. */
  private record Listener(String name, String securityProtocol, int port) {}

  public static Builder builder() {
    return new Builder();
  }

  /** Starts a broker on free loopback ports with a temporary data directory. */
  public static KraftBroker startOnFreePorts() {
    return builder().build().start();
  }

  /** Formats the storage on first use, then starts the broker and waits until it serves. */
  public synchronized KraftBroker start() {
    if (server != null) {
      return this;
    }
    Path logDir = dataDir.resolve("log");
    try {
      Files.createDirectories(logDir);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        format(logDir);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot format Kafka storage in " + logDir, e);
    }
    KafkaRaftServer started =
        new KafkaRaftServer(KafkaConfig.fromProps(properties(logDir)), Time.SYSTEM);
    started.startup();
    server = started;
    return this;
  }

  /** Shuts the broker down cleanly, keeping its ports and data for {@link #start()}. */
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      server = null;
    }
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  /** {@code host:port} of the PLAINTEXT listener, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return host + ":" + brokerPort;
  }

  /**
   * {@code host:port} of a listener added with {@link Builder#listener}.
   *
   * @throws IllegalArgumentException when the broker has no such listener
   */
  public String bootstrapServers(String listenerName) {
    Listener listener = extraListeners.get(listenerName);
    if (listener == null) {
      throw new IllegalArgumentException(
          "listener: " + listenerName + " (expected: one of " + extraListeners.keySet() + ")");
    }
    return host + ":" + listener.port();
  }

  public int port() {
    return brokerPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public synchronized void close() {
    stop();
    if (ownsDataDir) {
      Directories.deleteRecursively(dataDir);
    }
  }

  private void format(Path logDir) throws Exception {
    new Formatter()
        .setClusterId(clusterId())
        .setNodeId(1)
        .setDirectories(List.of(logDir.toString()))
        .setMetadataLogDirectory(logDir.toString())
        .setControllerListenerName("CONTROLLER")
        .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
        .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
        .run();
  }

  /** One cluster id per data directory, so a restarted broker finds its own storage. */
  private String clusterId() throws java.io.IOException {
    Path file = dataDir.resolve(CLUSTER_ID_FILE);
    if (Files.exists(file)) {
      return Files.readString(file).trim();
    }
    String id = Uuid.randomUuid().toString();
    Files.writeString(file, id);
    return id;
  }

  private Properties properties(Path logDir) {
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
    StringBuilder listeners = new StringBuilder("PLAINTEXT://" + host + ":" + brokerPort);
    StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    for (Listener listener : extraListeners.values()) {
      listeners.append(',').append(listener.name()).append("://").append(host);
      listeners.append(':').append(listener.port());
      protocols.append(',').append(listener.name()).append(':');
      protocols.append(listener.securityProtocol());
    }
    props.put("listeners", listeners + ",CONTROLLER://" + host + ":" + controllerPort);
    props.put("advertised.listeners", listeners.toString());
    props.put("controller.listener.names", "CONTROLLER");
    props.put("listener.security.protocol.map", protocols.toString());
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "6");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("num.partitions", "1");
    props.put("auto.create.topics.enable", "false");
    props.putAll(extraProperties);
    return props;
  }

  /** Settings of a broker; every one has a default. */
  public static final class Builder {
    private Path dataDir;
    private String host = "127.0.0.1";
    private int brokerPort;
    private int controllerPort;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final Map<String, String> listeners = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Another listener, on a free port, e.g. {@code listener("SASL_SSL", "SASL_SSL")}; give its
     * settings as {@code listener.name.<name lower-case>.*} properties. The broker and controller
     * keep talking to each other over PLAINTEXT on loopback.
     */
    public Builder listener(String name, String securityProtocol) {
      requireNonNull(name, "name");
      requireNonNull(securityProtocol, "securityProtocol");
      if (name.equals("PLAINTEXT") || name.equals("CONTROLLER")) {
        throw new IllegalArgumentException(
            "listener: " + name + " (expected: a name other than PLAINTEXT and CONTROLLER)");
      }
      listeners.put(name, securityProtocol);
      return this;
    }

    /** A data directory the broker keeps; without one it uses a temporary directory. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = requireNonNull(dataDir, "dataDir");
      return this;
    }

    /** The PLAINTEXT port; 0 (the default) picks a free one. */
    public Builder brokerPort(int port) {
      this.brokerPort = checkPort(port);
      return this;
    }

    /** The controller port; 0 (the default) picks a free one. */
    public Builder controllerPort(int port) {
      this.controllerPort = checkPort(port);
      return this;
    }

    /** Any broker property; overrides the defaults. */
    public Builder property(String key, String value) {
      properties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    public KraftBroker build() {
      return new KraftBroker(this);
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      return port;
    }
  }
}
