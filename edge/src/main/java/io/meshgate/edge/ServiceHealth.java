package io.meshgate.edge;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code grpc.health.v1.Health/Check} for an edge service: SERVING while its dependency answers
 * (for the rate limit service, while Redis is connected), NOT_SERVING otherwise, read at each call.
 * The empty name is the server as a whole. {@code Watch} is not offered: Envoy's gRPC health checks
 * and {@code grpc-health-probe} use {@code Check}.
 */
public final class ServiceHealth extends HealthGrpc.HealthImplBase {
  private final Map<String, BooleanSupplier> services;

  /**
   * @param services each service's full name (and {@code ""} for the server) with whether it can
   *     answer now
   */
  public ServiceHealth(Map<String, BooleanSupplier> services) {
    this.services = Map.copyOf(requireNonNull(services, "services"));
  }

  @Override
  public void check(
      HealthCheckRequest request, StreamObserver<HealthCheckResponse> responseObserver) {
    BooleanSupplier healthy = services.get(request.getService());
    if (healthy == null) {
      responseObserver.onError(
          Status.NOT_FOUND
              .withDescription("no service named '" + request.getService() + "' here")
              .asRuntimeException());
      return;
    }
    responseObserver.onNext(
        HealthCheckResponse.newBuilder()
            .setStatus(healthy.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING)
            .build());
    responseObserver.onCompleted();
  }
}
