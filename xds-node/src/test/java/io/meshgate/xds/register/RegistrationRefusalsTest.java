package io.meshgate.xds.register;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Resource;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.registration.v1.HealthReport;
import io.meshgate.registration.v1.RegisterRequest;
import io.meshgate.registration.v1.RegisterResponse;
import io.meshgate.registration.v1.Registration;
import io.meshgate.registration.v1.WorkloadRegistrationGrpc;
import io.meshgate.xds.agent.RegistrationAgent;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.serve.StreamAdmission;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a node refuses before it touches etcd, and how the agent takes each refusal: the etcd client
 * here points nowhere, so a test that reached etcd would fail.
 */
class RegistrationRefusalsTest {
  private static final String VM_1 =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Workload
      metadata: {name: vm-1, namespace: shop, labels: {app: web}}
      spec: {address: 127.0.0.1, ports: [{name: http, port: 8080}]}
      """;

  /** Tokens named after the group they grant. */
  private static final TokenCheck TOKENS =
      (token, nodeId) ->
          token.startsWith("group:")
              ? new TokenCheck.Result.Valid(
                  token.substring("group:".length()), Instant.now().plusSeconds(3600))
              : new TokenCheck.Result.Invalid("not a test token");

  @TempDir Path dir;
  private Client nowhere;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    nowhere = Client.builder().endpoints("http://127.0.0.1:9").build();
    RegistrationService service =
        new RegistrationService(
            new RegistrationStore(nowhere),
            new Authorizer(TOKENS, false),
            new StreamAdmission(1000, 1000),
            Clock.systemUTC(),
            "replica-0",
            Duration.ofSeconds(15));
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(service, new ProxyAuthenticator()))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    nowhere.close();
  }

  private static Resource workload(String yaml) {
    return ((Validation.Valid)
            ResourceValidator.get().validate(YamlDocuments.read("-", yaml).get(0).tree()))
        .resource();
  }

  private Throwable refusalOf(Resource workload, Optional<String> token) throws Exception {
    Optional<Path> tokenFile = Optional.empty();
    if (token.isPresent()) {
      tokenFile = Optional.of(Files.writeString(dir.resolve("token"), token.get()));
    }
    RegistrationAgent agent =
        RegistrationAgent.start(
            new RegistrationAgent.Connection(
                List.of("127.0.0.1:" + server.getPort()),
                Optional.empty(),
                Optional.empty(),
                tokenFile),
            workload);
    try {
      agent.stopped().get(20, TimeUnit.SECONDS);
      throw new AssertionError("the agent stopped without a refusal");
    } catch (ExecutionException e) {
      return e.getCause();
    } finally {
      agent.close();
    }
  }

  @Test
  void aCredentialForAnotherWorkloadIsRefusedAndTheAgentStops() throws Exception {
    Throwable refusal = refusalOf(workload(VM_1), Optional.of("group:workload/shop/vm-2"));

    assertThat(refusal)
        .isInstanceOf(RegistrationAgent.Refused.class)
        .hasMessageContaining("PERMISSION_DENIED")
        .hasMessageContaining("claims group workload/shop/vm-1")
        .hasMessageContaining("proxy token for group workload/shop/vm-2");
  }

  @Test
  void aWorkloadTheValidatorRefusesIsRefusedWithTheFieldPath() throws Exception {
    // given: a document the CLI would refuse too, sent by hand
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<RegisterRequest> requests =
        WorkloadRegistrationGrpc.newStub(channel).register(ending(ended));

    requests.onNext(
        RegisterRequest.newBuilder()
            .setRegistration(
                Registration.newBuilder()
                    .setInstance("agent-1")
                    .setWorkload(
                        ByteString.copyFrom(
                            """
                            {"apiVersion": "meshgate.io/v1alpha1", "kind": "Workload",
                             "metadata": {"name": "vm-1", "namespace": "shop"},
                             "spec": {"address": "127.0.0.1", "ports": [{"name": "http", "port": 70000}]}}
                            """,
                            StandardCharsets.UTF_8)))
            .build());

    Status status = ended.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("/spec/ports/0/port");
  }

  @Test
  void withoutACredentialWhereOneIsRequiredTheStreamIsUnauthenticated() throws Exception {
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<RegisterRequest> requests =
        WorkloadRegistrationGrpc.newStub(channel).register(ending(ended));

    requests.onNext(registration(workload(VM_1), 1));

    Status status = ended.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("credentials required");
  }

  @Test
  void aStreamMustRegisterFirstAndAWorkloadIsBounded() throws Exception {
    CompletableFuture<Status> reportFirst = new CompletableFuture<>();
    WorkloadRegistrationGrpc.newStub(channel)
        .register(ending(reportFirst))
        .onNext(RegisterRequest.newBuilder().setReport(HealthReport.getDefaultInstance()).build());
    CompletableFuture<Status> oversized = new CompletableFuture<>();
    WorkloadRegistrationGrpc.newStub(channel)
        .register(ending(oversized))
        .onNext(registration(new byte[RegistrationService.MAX_WORKLOAD_BYTES + 1], 1));

    assertThat(reportFirst.get(10, TimeUnit.SECONDS).getDescription())
        .isEqualTo("the first message must be a registration");
    Status tooLarge = oversized.get(10, TimeUnit.SECONDS);
    assertThat(tooLarge.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(tooLarge.getDescription()).contains("expected: at most 65536");
  }

  @Test
  void anUnreachableNodeIsRetriedNotRefused() throws Exception {
    // given: a node that does not listen; the agent keeps trying and only close() ends it
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    RegistrationAgent agent =
        RegistrationAgent.start(
            new RegistrationAgent.Connection(
                List.of("127.0.0.1:" + closed),
                Optional.empty(),
                Optional.empty(),
                Optional.empty()),
            workload(VM_1));

    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> !agent.stopped().isDone());
    agent.close();
    assertThat(agent.stopped()).succeedsWithin(Duration.ofSeconds(5));
  }

  @Test
  void registrationsBeyondTheNodesRateAreRefusedBeforeEtcd() throws Exception {
    // given: a node that opens one registration per second; the first reaches its (absent) etcd
    RegistrationService service =
        new RegistrationService(
            new RegistrationStore(nowhere),
            Authorizer.anonymousAllowed(),
            new StreamAdmission(1, 1000),
            Clock.systemUTC(),
            "replica-0",
            Duration.ofSeconds(15));
    Server limited =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(service, new ProxyAuthenticator()))
            .build()
            .start();
    ManagedChannel toLimited =
        NettyChannelBuilder.forAddress("127.0.0.1", limited.getPort()).usePlaintext().build();
    try {
      // when: two agents register at once
      List<CompletableFuture<Status>> ended =
          List.of(new CompletableFuture<>(), new CompletableFuture<>());
      for (int i = 0; i < 2; i++) {
        WorkloadRegistrationGrpc.newStub(toLimited)
            .register(ending(ended.get(i)))
            .onNext(registration(workload(VM_1), i));
      }

      // then: one is refused for the rate, and only after its admission is the other's etcd tried
      List<String> descriptions = new ArrayList<>();
      for (CompletableFuture<Status> end : ended) {
        Status status = end.get(20, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        descriptions.add(status.getDescription());
      }
      assertThat(descriptions)
          .filteredOn(d -> d.startsWith("too many new registrations on this node"))
          .hasSize(1);
    } finally {
      toLimited.shutdownNow();
      limited.shutdownNow();
    }
  }

  /** A registration as the agent sends it: the Workload as JSON. */
  private static RegisterRequest registration(Resource workload, int instance) {
    return registration(ResourceCodec.toJson(workload), instance);
  }

  private static RegisterRequest registration(byte[] workload, int instance) {
    return RegisterRequest.newBuilder()
        .setRegistration(
            Registration.newBuilder()
                .setInstance("agent-" + instance)
                .setWorkload(ByteString.copyFrom(workload)))
        .build();
  }

  private static StreamObserver<RegisterResponse> ending(CompletableFuture<Status> ended) {
    return new StreamObserver<>() {
      @Override
      public void onNext(RegisterResponse value) {
        ended.completeExceptionally(new AssertionError("answered: " + value));
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    };
  }
}
