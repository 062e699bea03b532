package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;

/** What a request is counted by: exactly one of these. */
@Doc("What a request is counted by: exactly one of these.")
public record RateLimitSelector(
    @Doc("The client's address (after clientIPDetection): a counter per address, or per network.")
        ClientIpSelector clientIP,
    @Doc("A request header: a counter per value, or only requests with the given value.")
        HeaderSelector header,
    @Doc(
            "A claim of the request's verified JWT (a string): a counter per value. The route needs a JWT requirement.")
        ClaimSelector claim,
    @Doc("Only requests whose path matches are counted (one counter for all of them).")
        HttpPathMatch path,
    @Doc("A counter per route: the rule's limit applies to each route it governs on its own.")
        RouteSelector route) {}
