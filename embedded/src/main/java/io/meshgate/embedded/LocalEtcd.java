package io.meshgate.embedded;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real etcd cluster of one or more local processes (the Debian {@code etcd-server} binary) on
 * loopback ports. Members can be stopped, killed and restarted individually.
 */
public final class LocalEtcd implements AutoCloseable {
  /** The command that installs the binary on Debian and Ubuntu. */
  public static final String INSTALL_COMMAND = "apt-get install -y etcd-server";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final List<EtcdMember> members;
  private final Path dataDir;
  private final boolean ownsDataDir;
  private final Thread shutdownHook = new Thread(this::killAll, "etcd-shutdown");

  private final boolean killAtExit;

  private LocalEtcd(Builder builder) {
    this.killAtExit = !builder.stoppedByOwner;
    this.ownsDataDir = builder.dataDir == null;
    this.dataDir = ownsDataDir ? Directories.temp("meshgate-etcd-") : builder.dataDir;
    Path binary = findBinary();
    List<EtcdMember> created = new ArrayList<>();
    for (int i = 1; i <= builder.members; i++) {
      boolean first = i == 1;
      int clientPort = first ? FreePorts.orPick(builder.clientPort) : FreePorts.pick();
      int peerPort = first ? FreePorts.orPick(builder.peerPort) : FreePorts.pick();
      created.add(
          new EtcdMember(
              "m" + i,
              builder.host,
              clientPort,
              peerPort,
              dataDir.resolve("m" + i),
              binary,
              builder.flags,
              builder.tls));
    }
    List<String> initialCluster =
        created.stream().map(m -> m.name() + "=" + m.peerUrl()).collect(Collectors.toList());
    String token = "meshgate-" + dataDir.getFileName();
    created.forEach(m -> m.joinCluster(initialCluster, token));
    this.members = List.copyOf(created);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts {@code members} processes on free ports in a temporary directory. */
  public static LocalEtcd start(int members) {
    return builder().members(members).build().start();
  }

  /** Starts every member and waits until all are healthy. */
  public LocalEtcd start() {
    if (killAtExit) {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
    members.forEach(EtcdMember::start);
    members.forEach(m -> m.awaitHealthy(START_TIMEOUT));
    return this;
  }

  public List<EtcdMember> members() {
    return members;
  }

  public EtcdMember member(int index) {
    return members.get(index);
  }

  /** The member that reports itself leader, if a running member answers. */
  public Optional<EtcdMember> leader() {
    return members.stream()
        .filter(EtcdMember::isRunning)
        .filter(m -> m.isLeader().orElse(false))
        .findFirst();
  }

  /** Client URLs of all members, comma-separated, as {@code MESHGATE_ETCD} takes them. */
  public String endpoints() {
    return members.stream().map(m -> m.clientUrl().toString()).collect(Collectors.joining(","));
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    members.forEach(EtcdMember::stop);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running or has run.
    }
    if (ownsDataDir) {
      Directories.deleteRecursively(dataDir);
    }
  }

  private void killAll() {
    members.forEach(EtcdMember::kill);
  }

  /**
   * The etcd binary: {@code MESHGATE_ETCD_BIN}, else {@code etcd} on the PATH, else the Debian
   * location; fails with the install command when there is none.
   */
  public static Path findBinary() {
    return findBinary(
        System.getenv("MESHGATE_ETCD_BIN"), System.getenv("PATH"), Path.of("/usr/bin/etcd"));
  }

  /** {@link #findBinary()} with its inputs given, for tests. */
  static Path findBinary(String configured, String pathVariable, Path debianLocation) {
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      if (Files.isExecutable(path)) {
        return path;
      }
      throw new IllegalStateException("MESHGATE_ETCD_BIN=" + configured + " is not executable");
    }
    String searchPath = pathVariable == null ? "" : pathVariable;
    return Stream.concat(
            Stream.of(searchPath.split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "etcd")),
            Stream.of(debianLocation))
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "etcd binary not found on PATH; install it with: " + INSTALL_COMMAND));
  }

  /** Settings of a cluster; every one has a default. */
  public static final class Builder {
    private int members = 1;
    private String host = "127.0.0.1";
    private int clientPort;
    private int peerPort;
    private Path dataDir;
    private final List<String> flags = new ArrayList<>();
    private boolean stoppedByOwner;
    private EtcdMember.Tls tls;

    private Builder() {}

    /**
     * Clients reach etcd over TLS ({@code https://} client URLs, etcd's {@code --cert-file} and
     * {@code --key-file}); peers still talk plaintext on loopback. The members' health is then
     * probed on a plaintext metrics URL ({@code --listen-metrics-urls}), which serves {@code
     * /health} without a client certificate.
     */
    public Builder serverCertificate(Path certificate, Path privateKey) {
      this.tls =
          new EtcdMember.Tls(
              requireNonNull(certificate, "certificate"),
              requireNonNull(privateKey, "privateKey"),
              tls == null ? null : tls.clientCa());
      return this;
    }

    /**
     * etcd's {@code --client-cert-auth} with {@code --trusted-ca-file}: only clients presenting a
     * certificate signed by {@code ca} are served. Needs {@link #serverCertificate}.
     */
    public Builder clientCertificatesFrom(Path ca) {
      if (tls == null) {
        throw new IllegalStateException("clientCertificatesFrom needs serverCertificate first");
      }
      this.tls = new EtcdMember.Tls(tls.certificate(), tls.privateKey(), requireNonNull(ca, "ca"));
      return this;
    }

    /**
     * The owner stops the cluster itself, after whatever uses it ({@code meshgate standalone} stops
     * its replica first, so the replica's last etcd writes land). Without this, the JVM's exit
     * kills the members at once: the safety net for tests.
     */
    public Builder stoppedByOwner() {
      this.stoppedByOwner = true;
      return this;
    }

    /** etcd's {@code --max-txn-ops} (etcd's default: 128). */
    public Builder maxTxnOps(int ops) {
      flags.addAll(List.of("--max-txn-ops", Integer.toString(ops)));
      return this;
    }

    /** etcd's {@code --max-request-bytes} (etcd's default: 1.5 MiB). */
    public Builder maxRequestBytes(long bytes) {
      flags.addAll(List.of("--max-request-bytes", Long.toString(bytes)));
      return this;
    }

    /** Number of members: 1 or more (3 for fault tests). */
    public Builder members(int members) {
      if (members < 1 || members > 7) {
        throw new IllegalArgumentException("members: " + members + " (expected: 1..7)");
      }
      this.members = members;
      return this;
    }

    /** Client port of the first member; 0 (the default) picks a free one. */
    public Builder clientPort(int port) {
      this.clientPort = port;
      return this;
    }

    /** Peer port of the first member; 0 (the default) picks a free one. */
    public Builder peerPort(int port) {
      this.peerPort = port;
      return this;
    }

    /** A directory the cluster keeps; without one it uses a temporary directory. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = requireNonNull(dataDir, "dataDir");
      return this;
    }

    public LocalEtcd build() {
      return new LocalEtcd(this);
    }
  }
}
