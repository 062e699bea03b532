package io.meshgate.testkit;

import io.etcd.jetcd.Client;
import io.meshgate.embedded.EtcdMember;
import io.meshgate.embedded.LocalEtcd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd for a test class: {@code @RegisterExtension static EtcdCluster etcd =
 * EtcdCluster.of(3);}
 *
 * <p>{@link #of(int)} uses the endpoints in {@code MESHGATE_TEST_ETCD} when set (comma-separated
 * URLs); otherwise it starts the Debian {@code etcd} binary with that many members on free loopback
 * ports. {@link #local(int)} always starts processes, the only kind whose members a test can stop,
 * kill and restart. A missing binary fails with the install command.
 */
public final class EtcdCluster implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  static final String EXTERNAL_ENV = "MESHGATE_TEST_ETCD";

  private final List<String> externalEndpoints;
  private final LocalEtcd.Builder builder;
  private final List<Client> clients = new ArrayList<>();
  private LocalEtcd local;
  private Client client;

  private EtcdCluster(List<String> externalEndpoints, LocalEtcd.Builder builder) {
    this.externalEndpoints = List.copyOf(externalEndpoints);
    this.builder = builder;
  }

  /** An etcd of {@code members} processes, or the external one named by MESHGATE_TEST_ETCD. */
  public static EtcdCluster of(int members) {
    String external = System.getenv(EXTERNAL_ENV);
    if (external != null && !external.isBlank()) {
      return new EtcdCluster(
          Arrays.asList(external.trim().split("\\s*,\\s*")), LocalEtcd.builder());
    }
    return local(members);
  }

  /** Local processes whose members can be stopped, killed and restarted. */
  public static EtcdCluster local(int members) {
    return local(LocalEtcd.builder().members(members));
  }

  /** Local processes as the builder says, e.g. with etcd's limits lowered. */
  public static EtcdCluster local(LocalEtcd.Builder builder) {
    return new EtcdCluster(List.of(), builder);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  public synchronized EtcdCluster start() {
    if (externalEndpoints.isEmpty() && local == null) {
      local = builder.build().start();
    }
    return this;
  }

  public boolean isLocal() {
    return externalEndpoints.isEmpty();
  }

  /** Client URLs of every member. */
  public List<String> endpoints() {
    if (!externalEndpoints.isEmpty()) {
      return externalEndpoints;
    }
    return requireLocal("endpoints").members().stream().map(m -> m.clientUrl().toString()).toList();
  }

  /** The endpoints comma-separated, as {@code MESHGATE_ETCD} takes them. */
  public String endpointList() {
    return String.join(",", endpoints());
  }

  /** A shared client for the test class, closed after it. */
  public synchronized Client client() {
    if (client == null) {
      client = newClient();
    }
    return client;
  }

  /** A client of the caller's own, still closed after the test class. */
  public synchronized Client newClient() {
    // Without pings on an idle connection, which etcd answers with GOAWAY too_many_pings
    // (EtcdConnection says why).
    Client created =
        Client.builder()
            .endpoints(endpoints().toArray(String[]::new))
            .keepaliveWithoutCalls(false)
            .build();
    clients.add(created);
    return created;
  }

  public List<EtcdMember> members() {
    return requireLocal("members").members();
  }

  public EtcdMember member(int index) {
    return requireLocal("member").member(index);
  }

  /** The current leader, waiting up to 10 s for an election to settle. */
  public EtcdMember leader() {
    LocalEtcd cluster = requireLocal("leader");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<EtcdMember> leader = cluster.leader();
      if (leader.isPresent()) {
        return leader.get();
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for an etcd leader", e);
      }
    }
    throw new IllegalStateException("no etcd leader within 10 s among " + cluster.members());
  }

  @Override
  public synchronized void close() {
    clients.forEach(Client::close);
    clients.clear();
    client = null;
    if (local != null) {
      local.close();
      local = null;
    }
  }

  private LocalEtcd requireLocal(String operation) {
    if (!externalEndpoints.isEmpty()) {
      throw new UnsupportedOperationException(
          operation + " needs local etcd processes (EtcdCluster.local(n)); this one is external");
    }
    if (local == null) {
      throw new IllegalStateException("etcd not started; register it as an extension first");
    }
    return local;
  }
}
