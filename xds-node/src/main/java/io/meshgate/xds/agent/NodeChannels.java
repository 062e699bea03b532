package io.meshgate.xds.agent;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/** How the agents reach an xds-node and prove who they are: the parts both agents share. */
final class NodeChannels {
  private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private NodeChannels() {}

  /** A channel to {@code node}: TLS (with the client certificate, if any) or plaintext. */
  static ManagedChannel open(RegistrationAgent.Connection connection, String node) {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(node);
    if (connection.tlsCa().isEmpty()) {
      return builder.usePlaintext().build();
    }
    try {
      SslContextBuilder tls =
          GrpcSslContexts.forClient().trustManager(connection.tlsCa().get().toFile());
      if (connection.certDir().isPresent()) {
        Path dir = connection.certDir().get();
        tls.keyManager(dir.resolve("tls.crt").toFile(), dir.resolve("tls.key").toFile());
      }
      return builder.sslContext(tls.build()).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up TLS to " + node, e);
    }
  }

  /** The proxy token, read again at every connection (a rotated token is picked up). */
  static Optional<String> token(RegistrationAgent.Connection connection) throws IOException {
    if (connection.tokenFile().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        Files.readString(connection.tokenFile().get(), StandardCharsets.UTF_8).strip());
  }

  static CallCredentials bearer(String token) {
    Metadata.Key<String> authorization =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(authorization, "Bearer " + token);
        applier.apply(headers);
      }
    };
  }

  /**
   * What a stream that ended with {@code error} means: a refusal no other node would change (the
   * request is invalid, the credential is for something else, the node does not know the service),
   * or a reason to try the next node.
   *
   * @return the exception to throw when the next node may do better
   * @throws RegistrationAgent.Refused when it would not
   */
  static RetryElsewhere retryOrRefuse(Throwable error, String node)
      throws RegistrationAgent.Refused {
    Status status = Status.fromThrowable(error);
    switch (status.getCode()) {
      case INVALID_ARGUMENT:
      case PERMISSION_DENIED:
      case UNIMPLEMENTED:
        throw new RegistrationAgent.Refused(
            node + " refuses: " + status.getCode() + ": " + status.getDescription());
      default:
        return new RetryElsewhere(status.getCode() + ": " + status.getDescription());
    }
  }

  /** The wait before the next node after {@code failures} failures in a row. */
  static Duration backoff(int failures) {
    if (failures == 0) {
      return Duration.ZERO;
    }
    long millis =
        Math.min(MIN_BACKOFF.toMillis() << Math.min(failures - 1, 10), MAX_BACKOFF.toMillis());
    // ±25 %, so agents that lost the same node do not all come back in step.
    return Duration.ofMillis(
        (long) (millis * (0.75 + 0.5 * ThreadLocalRandom.current().nextDouble())));
  }
}
