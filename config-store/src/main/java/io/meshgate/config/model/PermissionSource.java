package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;

/**
 * Callers, by mesh identity: one SPIFFE ID, or a namespace's workloads (optionally one service
 * account of it).
 */
@Doc(
    "Callers, by mesh identity: one SPIFFE ID, or a namespace's workloads (optionally one service account of it). serviceAccount alone means the TrafficPermission's namespace.")
public record PermissionSource(
    @Pattern(value = Patterns.SPIFFE_ID, maxLength = 1024)
        @Doc("spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT")
        String spiffeId,
    @Pattern(value = Patterns.LABEL, maxLength = 63) String namespace,
    @Pattern(value = Patterns.NAME, maxLength = 253) String serviceAccount) {}
