/**
 * Envoy's global rate limit service ({@code envoy.service.ratelimit.v3.RateLimitService}): limits
 * as immutable data ({@link io.meshgate.edge.ratelimit.RateLimitConfig}), fixed-window counters in
 * Redis ({@link io.meshgate.edge.ratelimit.RedisCounters}) and the gRPC answer Envoy's {@code
 * envoy.filters.http.ratelimit} filter reads. Deciding ({@link
 * io.meshgate.edge.ratelimit.Decisions}: pure, time passed in) is kept apart from counting (one
 * Redis script call per request); nothing here knows about policies or the translation to Envoy.
 */
@NullMarked
package io.meshgate.edge.ratelimit;

import org.jspecify.annotations.NullMarked;
