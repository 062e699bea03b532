package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.serve.ClientStatusService;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSDS's port holds to /debug's rule: with an admin token, every call must carry it. */
class AdminGrpcTest {
  @TempDir Path dir;

  private static ClientStatusDiscoveryServiceGrpc.ClientStatusDiscoveryServiceBlockingStub stub(
      ManagedChannel channel, String authorization) {
    var stub = ClientStatusDiscoveryServiceGrpc.newBlockingStub(channel);
    if (authorization == null) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(AdminGrpc.AUTHORIZATION, authorization);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static List<String> reflectedServices(ManagedChannel channel, String authorization)
      throws Exception {
    Metadata headers = new Metadata();
    if (authorization != null) {
      headers.put(AdminGrpc.AUTHORIZATION, authorization);
    }
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    answer.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    try {
      return answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
          .map(ServiceResponse::getName)
          .toList();
    } finally {
      requests.onCompleted();
    }
  }

  @Test
  void aCallWithoutTheTokenOrWithAnotherIsUnauthenticatedAndWithItIsAnswered() throws Exception {
    // given
    Path tokenFile = Files.writeString(dir.resolve("admin-token"), "s3cret-token\n");
    AdminToken token = AdminToken.read(tokenFile, warning -> {});
    try (AdminGrpc grpc =
        new AdminGrpc(
            new InetSocketAddress("127.0.0.1", 0),
            new ClientStatusService(List::of, new SnapshotStore()),
            Optional.of(token))) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(grpc.address()).usePlaintext().build();
      try {
        ClientStatusRequest all = ClientStatusRequest.getDefaultInstance();

        // then
        for (String refused : new String[] {null, "Bearer wrong", "s3cret-token"}) {
          assertThatThrownBy(() -> stub(channel, refused).fetchClientStatus(all))
              .as("authorization %s", refused)
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).doesNotContain("s3cret");
                  });
        }
        assertThat(stub(channel, "Bearer s3cret-token").fetchClientStatus(all).getConfigList())
            .isEmpty();

        // and server reflection (what grpcurl asks first) lists CSDS, with the token only
        assertThat(reflectedServices(channel, "Bearer s3cret-token"))
            .contains("envoy.service.status.v3.ClientStatusDiscoveryService");
        assertThatThrownBy(() -> reflectedServices(channel, null))
            .hasMessageContaining("UNAUTHENTICATED");
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
