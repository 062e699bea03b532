package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The admin gRPC port: Envoy's Client Status Discovery Service ({@code --admin-grpc-addr}, {@code
 * MESHGATE_ADMIN_GRPC_ADDR}, default 127.0.0.1:19001). A port of its own because the admin HTTP
 * server (the JDK's) speaks HTTP/1.1 only, and gRPC needs HTTP/2. The rule of {@code /debug} holds:
 * with an {@link AdminToken}, every call must carry {@code authorization: Bearer <token>} (checked
 * per call, in constant time), else UNAUTHENTICATED with no detail. gRPC server reflection (v1) is
 * served beside CSDS, behind the same token, so {@code grpcurl} needs no .proto files.
 */
final class AdminGrpc implements AutoCloseable {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Server server;

  AdminGrpc(InetSocketAddress address, BindableService csds, Optional<AdminToken> token) {
    requireNonNull(token, "token");
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address);
    // Server reflection, so grpcurl needs no .proto files; behind the token like CSDS itself.
    for (BindableService service : List.of(csds, ProtoReflectionServiceV1.newInstance())) {
      builder.addService(
          token.isEmpty()
              ? ServerInterceptors.intercept(service)
              : ServerInterceptors.intercept(service, new TokenCheck(token.get())));
    }
    try {
      server = builder.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve CSDS on " + address, e);
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  /** Refuses every call whose {@code authorization} metadata does not carry the token. */
  private record TokenCheck(AdminToken token) implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      if (!token.admits(headers.get(AUTHORIZATION))) {
        call.close(Status.UNAUTHENTICATED.withDescription("admin token required"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
