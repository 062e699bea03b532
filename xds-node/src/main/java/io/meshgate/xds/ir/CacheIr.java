package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A route's response cache: Envoy's in-memory cache, one filter per policy in the chains whose
 * routes use it.
 *
 * @param name the filter's name, {@code meshgate.cache/<namespace>/<policy>}
 * @param varyHeaders lower-case, sorted: the request headers a cached response may vary on
 * @param maxBodyBytes the largest body stored
 */
public record CacheIr(String name, List<String> varyHeaders, int maxBodyBytes, SourceRef source) {
  public CacheIr {
    requireNonNull(name, "name");
    varyHeaders = Lists.copy(varyHeaders).stream().sorted().distinct().toList();
    requireNonNull(source, "source");
  }
}
