package io.meshgate.xds.node;

import io.meshgate.config.event.KafkaClientConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a replica warns about once at start: Kafka or etcd reached without TLS beyond loopback
 * (config, an etcd password or SASL credentials would cross the network in plaintext), and etcd's
 * certificate checked against the system trust store. No name is resolved: only literal addresses
 * and {@code localhost} count as loopback.
 */
final class StartWarnings {
  private static final Set<String> TLS_PROTOCOLS = Set.of("SSL", "SASL_SSL");

  private StartWarnings() {}

  /** Every warning for these settings, etcd's first. */
  static List<String> of(NodeSettings settings) {
    List<String> warnings = new ArrayList<>(settings.etcdConnection().notes());
    kafka(settings.kafka(), settings.kafkaClient()).ifPresent(warnings::add);
    return warnings;
  }

  /** A warning when some bootstrap server is not on loopback and the protocol is not TLS. */
  static Optional<String> kafka(String bootstrapServers, KafkaClientConfig config) {
    String protocol =
        config.properties().getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
    if (TLS_PROTOCOLS.contains(protocol)) {
      return Optional.empty();
    }
    List<String> remote =
        List.of(bootstrapServers.trim().split("\\s*,\\s*")).stream()
            .filter(server -> !server.isEmpty() && !isLoopback(host(server)))
            .toList();
    if (remote.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "Kafka at "
            + String.join(",", remote)
            + " is reached with security.protocol "
            + protocol
            + ", beyond loopback: config events travel in plaintext"
            + (protocol.equals("SASL_PLAINTEXT") ? ", and so do the SASL credentials" : "")
            + " (set security.protocol=SSL or SASL_SSL in MESHGATE_KAFKA_CONFIG)");
  }

  private static String host(String server) {
    String hostPort = server.contains("://") ? server.substring(server.indexOf("://") + 3) : server;
    if (hostPort.startsWith("[")) {
      int end = hostPort.indexOf(']');
      return end < 0 ? hostPort : hostPort.substring(1, end);
    }
    int colon = hostPort.lastIndexOf(':');
    return colon < 0 ? hostPort : hostPort.substring(0, colon);
  }

  private static boolean isLoopback(String host) {
    return host.equalsIgnoreCase("localhost")
        || host.matches("127(\\.\\d{1,3}){3}")
        || host.equals("::1")
        || host.equals("0:0:0:0:0:0:0:1");
  }
}
