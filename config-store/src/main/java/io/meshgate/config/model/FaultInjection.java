package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;

/** Delays and aborts for a share of requests, to test resilience. */
@Doc("Delays and aborts for a share of requests, to test resilience.")
public record FaultInjection(FaultDelay delay, FaultAbort abort) {}
