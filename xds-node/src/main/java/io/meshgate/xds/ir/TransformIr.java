package io.meshgate.xds.ir;

/**
 * What TransformPolicies do to a route, each part from the most specific policy that sets it:
 * header mutations, response caching, JSON body transformation. Null parts are unset; a route
 * without any has no TransformIr.
 */
public record TransformIr(HeaderTransformIr headers, CacheIr cache, BodyTransformIr body) {
  /** Null when every part is unset. */
  public static TransformIr orNull(HeaderTransformIr headers, CacheIr cache, BodyTransformIr body) {
    return headers == null && cache == null && body == null
        ? null
        : new TransformIr(headers, cache, body);
  }
}
