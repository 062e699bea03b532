package io.meshgate.xds.agent;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.meshgate.config.pem.Pem;
import io.meshgate.identity.v1.WatchRequest;
import io.meshgate.identity.v1.WatchResponse;
import io.meshgate.identity.v1.WorkloadIdentityGrpc;
import io.meshgate.meshbridge.ca.KeyPairs;
import java.io.IOException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a proxyless gRPC service's mesh identity as files ({@link IdentityFiles}) that gRPC's
 * {@code file_watcher} certificate provider reads, through the xds-nodes it is given.
 *
 * <p>It makes its own P-256 key at start (the private key never leaves this host; it stays the same
 * for the agent's life, and is written again before each certificate) and sends a CSR over it. The
 * node answers with a certificate for the identity the agent's credential names; the agent writes
 * the key, the bundle and the chain, and sends a new CSR at the answer's refresh time (read from
 * the injected clock). A bundle the node pushes (a root rotation) replaces {@code ca.pem}. When its
 * stream ends or a node does not answer, it watches through the next node. What a retry cannot fix
 * — a credential of another group, a refused CSR — ends it ({@link #stopped()} completes
 * exceptionally with {@link RegistrationAgent.Refused}).
 *
 * <p>Threading: one thread runs the loop and writes the files. {@link #close()} may be called from
 * any thread.
 */
public final class IdentityAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IdentityAgent.class);

  /** How long a node may take to answer a CSR. */
  private static final Duration ANSWER = Duration.ofSeconds(10);

  /**
   * How often the loop reads the clock while it waits for the refresh time: the clock is injected
   * and may be moved by a test, so the wait is never one long sleep.
   */
  private static final Duration TICK = Duration.ofMillis(200);

  /**
   * The least time between two CSRs of one stream: a refresh time already past (a node whose clock
   * runs ahead of this host's) must not turn into a stream of CSRs.
   */
  private static final Duration MIN_RENEWAL_INTERVAL = Duration.ofSeconds(10);

  /** What the agent wrote last. */
  public record Fetched(String spiffeId, Instant notAfter, Instant refreshAt) {
    public Fetched {
      requireNonNull(spiffeId, "spiffeId");
      requireNonNull(notAfter, "notAfter");
      requireNonNull(refreshAt, "refreshAt");
    }
  }

  /** Whether the agent keeps the identity fresh, or writes it once and stops. */
  public enum Mode {
    KEEP,
    ONCE
  }

  private final RegistrationAgent.Connection connection;
  private final IdentityFiles files;
  private final String nodeId;
  private final Clock clock;
  private final Mode mode;
  private final KeyPair key;
  private final String csr;
  private final Map<String, ManagedChannel> channels = new HashMap<>();
  private final Thread loop;
  private final CompletableFuture<Fetched> firstFetch = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final AtomicInteger certificatesWritten = new AtomicInteger();
  private final AtomicInteger bundlesWritten = new AtomicInteger();
  private final NodeLoop nodes;
  // Owned by the loop thread.
  private boolean keyWritten;
  private String writtenBundle = "";
  private volatile @Nullable Fetched latest;

  private IdentityAgent(
      RegistrationAgent.Connection connection,
      IdentityFiles files,
      String nodeId,
      Clock clock,
      Mode mode) {
    this.connection = requireNonNull(connection, "connection");
    this.files = requireNonNull(files, "files");
    this.nodeId = requireNonNull(nodeId, "nodeId");
    this.clock = requireNonNull(clock, "clock");
    this.mode = requireNonNull(mode, "mode");
    this.nodes = new NodeLoop(connection.nodes());
    this.key = KeyPairs.generate(new SecureRandom());
    this.csr = csr(key, nodeId);
    this.loop = new Thread(this::run, "meshgate-identity-agent");
    loop.setDaemon(true);
  }

  /**
   * Starts keeping the identity in {@code files}.
   *
   * @param nodeId this service's node id: checked against a proxy token's node-id prefix
   */
  public static IdentityAgent start(
      RegistrationAgent.Connection connection,
      IdentityFiles files,
      String nodeId,
      Clock clock,
      Mode mode) {
    IdentityAgent agent = new IdentityAgent(connection, files, nodeId, clock, mode);
    agent.loop.start();
    return agent;
  }

  /** Completes when the files hold a certificate for the first time. */
  public CompletableFuture<Fetched> fetched() {
    return firstFetch;
  }

  /** Completes when the agent stops: normally after close or once, exceptionally on a refusal. */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  /** How many certificates the agent wrote since start. */
  public int certificatesWritten() {
    return certificatesWritten.get();
  }

  /** How many times the agent wrote the bundle file since start (with every certificate too). */
  public int bundlesWritten() {
    return bundlesWritten.get();
  }

  /** The last certificate written, if any. */
  public Optional<Fetched> latest() {
    return Optional.ofNullable(latest);
  }

  private void run() {
    try {
      files.create();
      nodes.run(
          node -> {
            session(node);
            return true;
          },
          () -> mode == Mode.ONCE && firstFetch.isDone(),
          (node, e) -> log.warn("identity through {}: {}", node, e.getMessage()));
      stopped.complete(null);
    } catch (RegistrationAgent.Refused e) {
      log.error("no identity: {}", e.getMessage());
      firstFetch.completeExceptionally(e);
      stopped.completeExceptionally(e);
    } catch (InterruptedException e) {
      stopped.complete(null);
    } catch (IOException | RuntimeException e) {
      log.error("the identity agent failed", e);
      firstFetch.completeExceptionally(e);
      stopped.completeExceptionally(e);
    } finally {
      channels.values().forEach(ManagedChannel::shutdownNow);
    }
  }

  /** One stream to one node: a CSR, then a new one at each refresh time, until it ends. */
  private void session(String node)
      throws RetryElsewhere, RegistrationAgent.Refused, InterruptedException, IOException {
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    ClientCallStreamObserver<WatchRequest> call = newCall(node, answers);
    try {
      Fetched fetched = request(call, answers, node);
      log.info(
          "{} written to {} through {} (until {}, renewed at {})",
          fetched.spiffeId(),
          files.dir(),
          node,
          fetched.notAfter(),
          fetched.refreshAt());
      Instant due = due(fetched);
      while (!nodes.closing() && mode == Mode.KEEP) {
        if (!clock.instant().isBefore(due)) {
          fetched = request(call, answers, node);
          due = due(fetched);
          log.info("{} renewed (until {})", fetched.spiffeId(), fetched.notAfter());
          continue;
        }
        Object pushed = answers.poll(TICK.toMillis(), TimeUnit.MILLISECONDS);
        if (pushed != null) {
          take(pushed, node);
        }
      }
      call.onCompleted();
    } catch (RetryElsewhere | RuntimeException e) {
      call.cancel("the agent watches elsewhere", null);
      throw e;
    }
  }

  /** When to send the next CSR: at the refresh time, but not sooner than the least interval. */
  private Instant due(Fetched fetched) {
    Instant earliest = clock.instant().plus(MIN_RENEWAL_INTERVAL);
    return fetched.refreshAt().isBefore(earliest) ? earliest : fetched.refreshAt();
  }

  /** Sends the CSR and writes the answer; bundle pushes that arrive before it are written too. */
  private Fetched request(
      ClientCallStreamObserver<WatchRequest> call, BlockingQueue<Object> answers, String node)
      throws RetryElsewhere, RegistrationAgent.Refused, InterruptedException, IOException {
    call.onNext(WatchRequest.newBuilder().setCsrPem(csr).setNodeId(nodeId).build());
    long deadline = System.nanoTime() + ANSWER.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Object answer = left <= 0 ? null : answers.poll(left, TimeUnit.NANOSECONDS);
      if (answer == null) {
        throw new RetryElsewhere("no certificate within " + ANSWER.toMillis() + " ms");
      }
      Optional<Fetched> fetched = take(answer, node);
      if (fetched.isPresent()) {
        return fetched.get();
      }
    }
  }

  /** Writes what {@code answer} carries; the certificate if it carried one. */
  private Optional<Fetched> take(Object answer, String node)
      throws RetryElsewhere, RegistrationAgent.Refused, IOException {
    if (answer instanceof Throwable error) {
      throw NodeChannels.retryOrRefuse(error, node);
    }
    if (!(answer instanceof WatchResponse response)) {
      throw new RetryElsewhere("the stream ended");
    }
    if (!response.hasCertificate()) {
      if (!response.getBundlePem().isEmpty() && !response.getBundlePem().equals(writtenBundle)) {
        writeBundle(response.getBundlePem());
        log.info("a new trust bundle for {} written to {}", response.getTrustDomain(), files.dir());
      }
      return Optional.empty();
    }
    // Certificate, key, bundle, in that order, every time, although the key (the same for the
    // agent's life) and often the bundle did not change. grpc-java's file_watcher provider reloads
    // the pair when the files' times changed (in some versions only when both did), and rebuilds
    // its TLS context only once a new pair *and* new roots have arrived since the last build
    // (grpc-java's CertProviderSslContextProvider): a renewal that replaced the certificate alone
    // would never be used on new connections. The certificate goes first so that any read that
    // sees a changed time reads the new certificate (with the one key there is); only the very
    // first key is written before its certificate, so that a certificate never lacks its key.
    if (!keyWritten) {
      files.writePrivateKey(Pem.privateKey(key.getPrivate()));
      keyWritten = true;
    }
    files.writeCertificate(response.getCertificate().getChainPem());
    files.writePrivateKey(Pem.privateKey(key.getPrivate()));
    String bundle = response.getBundlePem().isEmpty() ? writtenBundle : response.getBundlePem();
    if (!bundle.isEmpty()) {
      writeBundle(bundle);
    }
    Fetched fetched =
        new Fetched(
            response.getCertificate().getSpiffeId(),
            Instant.ofEpochSecond(response.getCertificate().getNotAfterSeconds()),
            Instant.ofEpochSecond(response.getCertificate().getRefreshAtSeconds()));
    latest = fetched;
    certificatesWritten.incrementAndGet();
    firstFetch.complete(fetched);
    return Optional.of(fetched);
  }

  private void writeBundle(String bundle) throws IOException {
    files.writeBundle(bundle);
    writtenBundle = bundle;
    bundlesWritten.incrementAndGet();
  }

  private ClientCallStreamObserver<WatchRequest> newCall(String node, BlockingQueue<Object> answers)
      throws RetryElsewhere {
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<WatchRequest>[] call = new ClientCallStreamObserver[1];
    WorkloadIdentityGrpc.WorkloadIdentityStub stub =
        WorkloadIdentityGrpc.newStub(channels.computeIfAbsent(node, this::open));
    Optional<String> token;
    try {
      token = NodeChannels.token(connection);
    } catch (IOException e) {
      throw new RetryElsewhere("cannot read the token file: " + e.getMessage());
    }
    if (token.isPresent()) {
      stub = stub.withCallCredentials(NodeChannels.bearer(token.get()));
    }
    stub.watch(
        new ClientResponseObserver<WatchRequest, WatchResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
            call[0] = requestStream;
          }

          @Override
          public void onNext(WatchResponse value) {
            answers.add(value);
          }

          @Override
          public void onError(Throwable t) {
            answers.add(t);
          }

          @Override
          public void onCompleted() {
            answers.add(Boolean.TRUE);
          }
        });
    return call[0];
  }

  private ManagedChannel open(String node) {
    return NodeChannels.open(connection, node);
  }

  /** A PKCS#10 CSR over {@code key}; its subject is for logs only (the node ignores it). */
  private static String csr(KeyPair key, String nodeId) {
    try {
      return Pem.encode(
          "CERTIFICATE REQUEST",
          new JcaPKCS10CertificationRequestBuilder(
                  new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, nodeId).build(),
                  key.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))
              .getEncoded());
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a CSR", e);
    }
  }

  /** Ends the stream and stops; the files stay, valid until their certificate expires. */
  @Override
  public void close() {
    nodes.stop();
    NodeLoop.awaitStopped(stopped, loop);
  }
}
