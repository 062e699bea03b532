package io.meshgate.testkit.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real gRPC servers on free loopback ports, each answering with its own name, so a test can count
 * which backend a data plane picked: {@code @RegisterExtension static EchoServers echo =
 * EchoServers.named("a", "b");}
 *
 * <p>The service is one hand-written unary method, {@code meshgate.testing.Echo/Identify}, whose
 * request and response are UTF-8 strings. A {@link MethodDescriptor} with a string marshaller needs
 * no protoc, no generated code and no extra dependency; the health service of grpc-services would,
 * and its answer (SERVING) could not say which server gave it.
 */
public final class EchoServers implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  public static final MethodDescriptor<String, String> IDENTIFY =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(
              MethodDescriptor.generateFullMethodName("meshgate.testing.Echo", "Identify"))
          .setRequestMarshaller(Utf8Marshaller.INSTANCE)
          .setResponseMarshaller(Utf8Marshaller.INSTANCE)
          .build();

  private static final long CALL_DEADLINE_SECONDS = 5;

  private final List<String> names;
  private final Map<String, Backend> backends = new LinkedHashMap<>();

  private EchoServers(List<String> names) {
    if (names.isEmpty() || names.stream().distinct().count() != names.size()) {
      throw new IllegalArgumentException("names: " + names + " (expected: one or more, distinct)");
    }
    this.names = List.copyOf(names);
  }

  /** One server per name, started by {@link #start()} or as a JUnit extension. */
  public static EchoServers named(String... names) {
    return new EchoServers(List.of(names));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  public synchronized EchoServers start() {
    if (!backends.isEmpty()) {
      return this;
    }
    for (String name : names) {
      AtomicInteger served = new AtomicInteger();
      ServerServiceDefinition service =
          ServerServiceDefinition.builder(IDENTIFY.getServiceName())
              .addMethod(
                  IDENTIFY,
                  ServerCalls.asyncUnaryCall(
                      (request, response) -> {
                        int call = served.incrementAndGet();
                        // A server named flaky-* fails every other call: what retries are for.
                        if (name.startsWith("flaky") && call % 2 == 1) {
                          response.onError(
                              io.grpc.Status.UNAVAILABLE
                                  .withDescription(name + " flaked")
                                  .asRuntimeException());
                          return;
                        }
                        response.onNext(name);
                        response.onCompleted();
                      }))
              .build();
      // Port 0: the kernel picks a free port, so there is no probe-then-bind race.
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(
                  name.startsWith("flaky")
                      ? io.grpc.ServerInterceptors.intercept(
                          service, new FirstAttemptFails(name, served))
                      : service)
              .build();
      try {
        server.start();
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("echo server '" + name + "' did not start", e);
      }
      backends.put(name, new Backend(server, served));
    }
    return this;
  }

  /** The loopback address of server {@code name}; its host is an IP literal, as EDS needs. */
  public InetSocketAddress address(String name) {
    InetSocketAddress bound = (InetSocketAddress) backend(name).server.getListenSockets().get(0);
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
  }

  /** How many calls server {@code name} has answered so far. */
  public int served(String name) {
    return backend(name).served.get();
  }

  @Override
  public synchronized void close() {
    backends.values().forEach(b -> b.server.shutdownNow());
    for (Backend backend : backends.values()) {
      try {
        backend.server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    backends.clear();
  }

  /** One call; the name of the server that answered. */
  public static String identify(Channel channel) {
    return ClientCalls.blockingUnaryCall(
        channel,
        IDENTIFY,
        CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS),
        "who");
  }

  /** {@code calls} concurrent calls; who answered them, and how the others failed. */
  public static Tally tally(Channel channel, int calls) {
    return tally(channel, calls, Map.of());
  }

  /** As {@link #tally(Channel, int)}, each call carrying {@code headers} as request metadata. */
  public static Tally tally(Channel channel, int calls, Map<String, String> headers) {
    Metadata metadata = new Metadata();
    headers.forEach(
        (k, v) -> metadata.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    Channel withHeaders =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
    List<ListenableFuture<String>> futures = new ArrayList<>(calls);
    for (int i = 0; i < calls; i++) {
      futures.add(
          ClientCalls.futureUnaryCall(
              withHeaders.newCall(
                  IDENTIFY,
                  CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)),
              "who"));
    }
    Tally.Builder tally = new Tally.Builder();
    for (var future : futures) {
      try {
        tally.answered(future.get());
      } catch (ExecutionException e) {
        tally.failed(Status.fromThrowable(e.getCause()).getCode());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while counting calls", e);
      }
    }
    return tally.build();
  }

  private synchronized Backend backend(String name) {
    requireNonNull(name, "name");
    Backend backend = backends.get(name);
    if (backend == null) {
      throw new IllegalArgumentException(
          "echo server: '" + name + "' (expected one of " + names + ", started)");
    }
    return backend;
  }

  private record Backend(Server server, AtomicInteger served) {}

  private enum Utf8Marshaller implements MethodDescriptor.Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("reading an echo message", e);
      }
    }
  }

  /**
   * For servers named {@code flaky-*}: the first attempt of every call fails with UNAVAILABLE, a
   * retried attempt (gRPC marks it with {@code grpc-previous-rpc-attempts}) succeeds — what a retry
   * policy is for, deterministically.
   */
  private static final class FirstAttemptFails implements io.grpc.ServerInterceptor {
    private static final io.grpc.Metadata.Key<String> PREVIOUS_ATTEMPTS =
        io.grpc.Metadata.Key.of(
            "grpc-previous-rpc-attempts", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    private final String name;
    private final AtomicInteger attempts;

    FirstAttemptFails(String name, AtomicInteger attempts) {
      this.name = name;
      this.attempts = attempts;
    }

    @Override
    public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
        io.grpc.ServerCall<Q, R> call,
        io.grpc.Metadata headers,
        io.grpc.ServerCallHandler<Q, R> next) {
      if (headers.get(PREVIOUS_ATTEMPTS) == null) {
        attempts.incrementAndGet();
        call.close(
            io.grpc.Status.UNAVAILABLE.withDescription(name + " fails first attempts"),
            new io.grpc.Metadata());
        return new io.grpc.ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }
}
