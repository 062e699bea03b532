package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A route's JSON body transformation, done by meshgate's external processing service.
 *
 * @param name {@code <namespace>/<policy>}: how Envoy names the transformation to the service (gRPC
 *     initial metadata {@code x-meshgate-transform}) and how the service finds it
 * @param request operations on the request body, in order; empty: the request body is not sent
 * @param response operations on the response body, in order; empty: the response body is not sent
 * @param maxBytes the largest body transformed
 * @param usesClaims whether a value names a JWT claim: Envoy then forwards the verified payload
 */
public record BodyTransformIr(
    String name,
    List<BodyOperationIr> request,
    List<BodyOperationIr> response,
    int maxBytes,
    boolean usesClaims,
    SourceRef source) {
  public BodyTransformIr {
    requireNonNull(name, "name");
    request = Lists.copy(request);
    response = Lists.copy(response);
    requireNonNull(source, "source");
  }

  /** What an operation does. */
  public enum Op {
    MOVE,
    REMOVE,
    SET
  }

  /**
   * One operation, by JSON Pointer.
   *
   * @param from MOVE only
   * @param value SET only: a {@link io.meshgate.config.model.Template} as the policy wrote it
   */
  public record BodyOperationIr(Op op, String path, String from, String value) {
    public BodyOperationIr {
      requireNonNull(op, "op");
      requireNonNull(path, "path");
    }
  }
}
