package io.meshgate.xds.agent;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.WorkloadSpec;
import io.meshgate.registration.v1.Health;
import io.meshgate.registration.v1.HealthReport;
import io.meshgate.registration.v1.RegisterRequest;
import io.meshgate.registration.v1.RegisterResponse;
import io.meshgate.registration.v1.Registration;
import io.meshgate.registration.v1.WorkloadRegistrationGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one Workload registered through the xds-nodes it is given, while it runs.
 *
 * <p>It registers through the first node that answers, then reports its health check's outcome at
 * least three times per lease TTL (the node says the TTL), and at once when the health changes.
 * When its node does not answer a report within a third of the TTL, or its stream ends, it
 * registers again through the next node, soon enough that the registration's lease does not run
 * out. What a retry cannot fix — an invalid Workload, a credential for another Workload — ends it
 * ({@link #stopped()} completes exceptionally). {@link #close()} ends its stream cleanly, which
 * deregisters at once.
 *
 * <p>Threading: one thread runs the registration loop; another runs the health check on its
 * interval. {@link #close()} may be called from any thread.
 */
public final class RegistrationAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistrationAgent.class);

  /** How long a node may take to answer the registration itself. */
  private static final Duration ANSWER = Duration.ofSeconds(10);

  /**
   * Where the nodes are and how to prove who the agent is.
   *
   * @param nodes xds-node addresses, {@code host:port}, tried in turn
   * @param tlsCa the CA of the nodes' server certificate; empty for plaintext (loopback only)
   * @param certDir a client certificate ({@code tls.crt}, {@code tls.key}) for the group {@code
   *     workload/<namespace>/<name>}
   * @param tokenFile a proxy token for that group, read again at every connection
   */
  public record Connection(
      List<String> nodes, Optional<Path> tlsCa, Optional<Path> certDir, Optional<Path> tokenFile) {
    public Connection {
      nodes = List.copyOf(nodes);
      if (nodes.isEmpty()) {
        throw new IllegalArgumentException("nodes: none (expected: at least one host:port)");
      }
      requireNonNull(tlsCa, "tlsCa");
      requireNonNull(certDir, "certDir");
      requireNonNull(tokenFile, "tokenFile");
    }
  }

  /** A refusal no retry can change. */
  public static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  private final Connection connection;
  private final Resource workload;
  private final byte[] workloadJson;
  private final HealthProbe probe;
  private final String instance;
  private final Map<String, ManagedChannel> channels = new HashMap<>();
  private final ScheduledExecutorService checks;
  private final Thread loop;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final Object signal = new Object();
  private final NodeLoop nodes;
  private final CompletableFuture<RegisterResponse> firstRegistration = new CompletableFuture<>();

  // Guarded by signal.
  private HealthProbe.Result health;
  private boolean healthChanged;

  private RegistrationAgent(Connection connection, Resource workload, HealthProbe probe) {
    this.connection = requireNonNull(connection, "connection");
    this.nodes = new NodeLoop(connection.nodes());
    this.workload = requireNonNull(workload, "workload");
    this.workloadJson = ResourceCodec.toJson(workload);
    this.probe = requireNonNull(probe, "probe");
    this.instance = UUID.randomUUID().toString();
    this.health = probe.check();
    this.checks =
        Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "meshgate-agent-check-" + workload.metadata().name()));
    this.loop = daemon(this::run, "meshgate-agent-" + workload.metadata().name());
  }

  /** Starts keeping {@code workload} registered, checked by the probe its spec asks for. */
  public static RegistrationAgent start(Connection connection, Resource workload) {
    return start(connection, workload, HealthProbe.of(workload.spec(WorkloadSpec.class)));
  }

  public static RegistrationAgent start(
      Connection connection, Resource workload, HealthProbe probe) {
    RegistrationAgent agent = new RegistrationAgent(connection, workload, probe);
    long interval = probe.interval().toMillis();
    agent.checks.scheduleWithFixedDelay(agent::check, interval, interval, TimeUnit.MILLISECONDS);
    agent.loop.start();
    return agent;
  }

  /** This agent process's instance id, as the nodes store it. */
  public String instance() {
    return instance;
  }

  /** The first node's answer to the first registration. */
  public CompletableFuture<RegisterResponse> registered() {
    return firstRegistration;
  }

  /** Completes when the agent stops: normally after close, exceptionally with {@link Refused}. */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  private void check() {
    HealthProbe.Result result = probe.check();
    synchronized (signal) {
      if (result.health() != health.health()) {
        log.info(
            "{} is {} now (was {}): {}",
            workload.key(),
            result.health(),
            health.health(),
            result.output());
        healthChanged = true;
      }
      health = result;
      signal.notifyAll();
    }
  }

  private void run() {
    try {
      nodes.run(
          this::session,
          () -> false,
          (node, e) -> log.warn("{} through {}: {}", workload.key(), node, e.getMessage()));
      stopped.complete(null);
    } catch (Refused e) {
      log.error("{} cannot be registered: {}", workload.key(), e.getMessage());
      firstRegistration.completeExceptionally(e);
      stopped.completeExceptionally(e);
    } catch (InterruptedException e) {
      stopped.complete(null);
    } catch (RuntimeException e) {
      log.error("registration of {} failed", workload.key(), e);
      stopped.completeExceptionally(e);
    } finally {
      checks.shutdownNow();
      channels.values().forEach(ManagedChannel::shutdownNow);
    }
  }

  /**
   * One stream to one node: register, then report until the stream ends or the agent closes.
   *
   * @return true if the node took the registration (the next failure starts the backoff afresh)
   */
  private boolean session(String node) throws RetryElsewhere, Refused, InterruptedException {
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    ClientCallStreamObserver<RegisterRequest>[] requests = newCall(node, answers);
    ClientCallStreamObserver<RegisterRequest> call = requests[0];
    HealthProbe.Result now = current();
    call.onNext(
        RegisterRequest.newBuilder()
            .setRegistration(
                Registration.newBuilder()
                    .setWorkload(ByteString.copyFrom(workloadJson))
                    .setInstance(instance)
                    .setHealth(wire(now.health())))
            .build());
    RegisterResponse first = await(answers, ANSWER, call, node);
    firstRegistration.complete(first);
    Duration every = Duration.ofSeconds(Math.max(1, first.getTtlSeconds())).dividedBy(3);
    log.info(
        "{} registered through {} (lease {} s, reporting every {} ms)",
        workload.key(),
        node,
        first.getTtlSeconds(),
        every.toMillis());
    try {
      while (true) {
        HealthProbe.Result report = awaitReportDue(every, answers);
        if (!answers.isEmpty()) {
          // Unasked: the stream ended (the node stops, or broke).
          await(answers, every, call, node);
        }
        if (nodes.closing()) {
          call.onCompleted();
          // The node deregisters, then ends the stream; leave after a short wait either way.
          answers.poll(2, TimeUnit.SECONDS);
          return true;
        }
        call.onNext(
            RegisterRequest.newBuilder()
                .setReport(
                    HealthReport.newBuilder()
                        .setHealth(wire(report.health()))
                        .setOutput(bounded(report.output())))
                .build());
        await(answers, every, call, node);
      }
    } catch (RetryElsewhere e) {
      log.warn(
          "{} through {}: {}; registering through another node",
          workload.key(),
          node,
          e.getMessage());
      return true;
    }
  }

  private HealthProbe.Result current() {
    synchronized (signal) {
      healthChanged = false;
      return health;
    }
  }

  /**
   * Waits until a report is due ({@code every}), the health changed, the stream ended or the agent
   * closes.
   */
  private HealthProbe.Result awaitReportDue(Duration every, BlockingQueue<Object> answers)
      throws InterruptedException {
    long deadline = System.nanoTime() + every.toNanos();
    synchronized (signal) {
      while (!healthChanged && !nodes.closing() && answers.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(signal, left);
      }
      healthChanged = false;
      return health;
    }
  }

  private RegisterResponse await(
      BlockingQueue<Object> answers,
      Duration within,
      ClientCallStreamObserver<RegisterRequest> call,
      String node)
      throws RetryElsewhere, Refused, InterruptedException {
    Object answer = answers.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    if (answer instanceof RegisterResponse response) {
      return response;
    }
    if (answer == null) {
      call.cancel("no answer within " + within, null);
      throw new RetryElsewhere("no answer within " + within.toMillis() + " ms");
    }
    if (answer instanceof Throwable error) {
      throw NodeChannels.retryOrRefuse(error, node);
    }
    throw new RetryElsewhere("the stream ended");
  }

  @SuppressWarnings("unchecked")
  private ClientCallStreamObserver<RegisterRequest>[] newCall(
      String node, BlockingQueue<Object> answers) throws RetryElsewhere {
    ClientCallStreamObserver<RegisterRequest>[] call = new ClientCallStreamObserver[1];
    WorkloadRegistrationGrpc.WorkloadRegistrationStub stub =
        WorkloadRegistrationGrpc.newStub(channel(node));
    Optional<String> token = token();
    if (token.isPresent()) {
      stub = stub.withCallCredentials(NodeChannels.bearer(token.get()));
    }
    stub.register(
        new ClientResponseObserver<RegisterRequest, RegisterResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<RegisterRequest> requestStream) {
            call[0] = requestStream;
          }

          @Override
          public void onNext(RegisterResponse value) {
            answers.add(value);
          }

          @Override
          public void onError(Throwable t) {
            answers.add(t);
            wake();
          }

          @Override
          public void onCompleted() {
            answers.add(Boolean.TRUE);
            wake();
          }
        });
    return call;
  }

  private Optional<String> token() throws RetryElsewhere {
    try {
      return NodeChannels.token(connection);
    } catch (IOException e) {
      throw new RetryElsewhere("cannot read the token file: " + e.getMessage());
    }
  }

  private ManagedChannel channel(String node) {
    return channels.computeIfAbsent(node, this::open);
  }

  private ManagedChannel open(String node) {
    return NodeChannels.open(connection, node);
  }

  private static Health wire(HealthStatus health) {
    switch (health) {
      case WARNING:
        return Health.WARNING;
      case CRITICAL:
        return Health.CRITICAL;
      default:
        return Health.PASSING;
    }
  }

  private static String bounded(String output) {
    return output.length() <= 1024 ? output : output.substring(0, 1024);
  }

  private void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  /** Deregisters (ends the stream cleanly; the node deletes the registration at once) and stops. */
  @Override
  public void close() {
    nodes.stop();
    // The health wait watches the same flag on its own monitor.
    wake();
    NodeLoop.awaitStopped(stopped, loop);
  }

  /** Stops without deregistering, as a killed agent would: the lease runs out on its own. */
  void abandon() {
    loop.interrupt();
    checks.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdownNow);
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }
}
