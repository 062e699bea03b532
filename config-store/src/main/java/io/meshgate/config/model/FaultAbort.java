package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;

/** An HTTP or gRPC error for a share of requests; exactly one of httpStatus and grpcStatus. */
@Doc("An HTTP or gRPC error for a share of requests; exactly one of httpStatus and grpcStatus.")
public record FaultAbort(
    @Range(min = 200, max = 599) Integer httpStatus,
    @Range(min = 0, max = 16) Integer grpcStatus,
    @Range(min = 0, max = 100) @Doc("Default 100.") Double percentage) {}
