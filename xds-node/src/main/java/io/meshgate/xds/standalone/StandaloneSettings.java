package io.meshgate.xds.standalone;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Where a standalone meshgate keeps its data and listens, and whether it loads the examples on
 * first start. Port 0 picks a free port (tests use it).
 *
 * @param dataDir holds {@code kafka/} and {@code etcd/}
 * @param etcdAccess how its own etcd is reached
 */
public record StandaloneSettings(
    Path dataDir,
    int kafkaPort,
    int kafkaControllerPort,
    int etcdClientPort,
    int etcdPeerPort,
    int xdsPort,
    int adminPort,
    boolean examples,
    EtcdAccess etcdAccess) {

  /** How a standalone meshgate's own etcd is reached. */
  public enum EtcdAccess {
    /** Plaintext on loopback, as a developer's machine needs. */
    PLAINTEXT,
    /**
     * TLS with client certificates, from a CA of its own under {@code <dataDir>/etcd-pki/}: to try
     * meshgate's etcd settings ({@code MESHGATE_ETCD_CA}, {@code _CERT}, {@code _KEY}) locally.
     */
    MUTUAL_TLS
  }

  /** The addresses every other command assumes: Kafka 127.0.0.1:9092, etcd 127.0.0.1:2379. */
  public static StandaloneSettings defaults(Path dataDir) {
    return new StandaloneSettings(
        dataDir, 9092, 9093, 2379, 2380, 18000, 19000, true, EtcdAccess.PLAINTEXT);
  }

  public StandaloneSettings {
    requireNonNull(dataDir, "dataDir");
    requireNonNull(etcdAccess, "etcdAccess");
    checkPort("kafkaPort", kafkaPort);
    checkPort("kafkaControllerPort", kafkaControllerPort);
    checkPort("etcdClientPort", etcdClientPort);
    checkPort("etcdPeerPort", etcdPeerPort);
    checkPort("xdsPort", xdsPort);
    checkPort("adminPort", adminPort);
  }

  private static void checkPort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + ": " + port + " (expected: 0..65535)");
    }
  }
}
