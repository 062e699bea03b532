package io.meshgate.xds.ir;

/**
 * Faults injected into a share of requests, each share in parts per million: a fixed delay, an
 * abort with an HTTP or gRPC status, or both.
 */
public record FaultIr(
    Long delayMillis,
    int delayPerMillion,
    Integer abortHttpStatus,
    Integer abortGrpcStatus,
    int abortPerMillion) {

  /** A percentage (0–100, as users write it) in parts per million, rounded to the nearest. */
  public static int perMillion(Double percentage) {
    return percentage == null ? 1_000_000 : (int) Math.round(percentage * 10_000);
  }

  public boolean delays() {
    return delayMillis != null;
  }

  public boolean aborts() {
    return abortHttpStatus != null || abortGrpcStatus != null;
  }
}
