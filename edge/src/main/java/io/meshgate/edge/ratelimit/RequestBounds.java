package io.meshgate.edge.ratelimit;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import java.util.Optional;

/**
 * How big a request may be. A request beyond these is answered INVALID_ARGUMENT without touching
 * Redis: the size of a request is the caller's choice (a header value, a path), and one request
 * must not cost one Redis key per descriptor without end. The defaults fit what Envoy's rate limit
 * actions produce for real routes: a few descriptors of a few entries.
 */
public record RequestBounds(
    int maxDescriptors, int maxEntries, int maxDomainLength, int maxKeyLength, int maxValueLength) {
  /** The most entries a request descriptor may ever have; rules nested deeper are refused. */
  public static final int MAX_ENTRIES_LIMIT = 8;

  /**
   * 16 descriptors of at most 8 entries; domain and keys up to 128 characters, values 64 KiB. Keys
   * come from meshgate's own config; values come from requests (a header, a claim), and a value
   * Envoy forwards must never be refused: a refused call meets the failure mode, so a client could
   * escape a fail-open limit by sending a long header. 64 KiB is above Envoy's default limit on all
   * request headers together (60 KiB); a value costs its hashing, never Redis memory, since counter
   * keys are hashes.
   */
  public static final RequestBounds DEFAULTS = new RequestBounds(16, 8, 128, 128, 65_536);

  public RequestBounds {
    if (maxEntries < 1 || maxEntries > MAX_ENTRIES_LIMIT) {
      throw new IllegalArgumentException(
          "maxEntries: " + maxEntries + " (expected: 1.." + MAX_ENTRIES_LIMIT + ")");
    }
    if (maxDescriptors < 1 || maxDomainLength < 1 || maxKeyLength < 1 || maxValueLength < 1) {
      throw new IllegalArgumentException("bounds must be positive: " + this);
    }
  }

  /** Why the request is refused, or empty when it is within bounds and well formed. */
  Optional<String> violation(RateLimitRequest request) {
    if (request.getDomain().isEmpty()) {
      return Optional.of("domain: must not be empty");
    }
    if (request.getDomain().length() > maxDomainLength) {
      return Optional.of(tooLong("domain", request.getDomain().length(), maxDomainLength));
    }
    if (request.getDescriptorsCount() == 0) {
      return Optional.of("descriptors: must not be empty");
    }
    if (request.getDescriptorsCount() > maxDescriptors) {
      return Optional.of(
          "descriptors: "
              + request.getDescriptorsCount()
              + " (expected: at most "
              + maxDescriptors
              + ")");
    }
    for (int d = 0; d < request.getDescriptorsCount(); d++) {
      RateLimitDescriptor descriptor = request.getDescriptors(d);
      String path = "descriptors[" + d + "]";
      if (descriptor.getEntriesCount() == 0) {
        return Optional.of(path + ".entries: must not be empty");
      }
      if (descriptor.getEntriesCount() > maxEntries) {
        return Optional.of(
            path
                + ".entries: "
                + descriptor.getEntriesCount()
                + " (expected: at most "
                + maxEntries
                + ")");
      }
      if (descriptor.hasHitsAddend()
          && Long.compareUnsigned(
                  descriptor.getHitsAddend().getValue(), Limit.MAX_REQUESTS_PER_UNIT)
              > 0) {
        return Optional.of(
            path
                + ".hits_addend: "
                + Long.toUnsignedString(descriptor.getHitsAddend().getValue())
                + " (expected: at most "
                + Limit.MAX_REQUESTS_PER_UNIT
                + ")");
      }
      for (int e = 0; e < descriptor.getEntriesCount(); e++) {
        RateLimitDescriptor.Entry entry = descriptor.getEntries(e);
        String entryPath = path + ".entries[" + e + "]";
        if (entry.getKey().isEmpty()) {
          return Optional.of(entryPath + ".key: must not be empty");
        }
        if (entry.getKey().length() > maxKeyLength) {
          return Optional.of(tooLong(entryPath + ".key", entry.getKey().length(), maxKeyLength));
        }
        if (entry.getValue().length() > maxValueLength) {
          return Optional.of(
              tooLong(entryPath + ".value", entry.getValue().length(), maxValueLength));
        }
      }
    }
    return Optional.empty();
  }

  // The length, never the value: the value is caller input and may be anything.
  private static String tooLong(String path, int length, int max) {
    return path + ": " + length + " characters (expected: at most " + max + ")";
  }
}
