package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;

/** A gRPC health check (grpc.health.v1). */
@Doc("A gRPC health check (grpc.health.v1).")
public record GrpcHealthCheck(
    @Size(max = 1024) @Doc("Empty: the server as a whole.") String service) {}
