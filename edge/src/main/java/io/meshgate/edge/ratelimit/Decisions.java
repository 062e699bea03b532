package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Deciding, apart from counting: which counter each descriptor of a request increments, and the
 * answer once the counts are known (or known to be unavailable). Pure: the time is passed in.
 */
final class Decisions {
  private Decisions() {}

  /** What one request descriptor does: nothing (no limit matches), or increment one counter. */
  sealed interface Planned permits Unlimited, Counted {}

  record Unlimited() implements Planned {}

  record Counted(Limit limit, Window window, String key, long addend) implements Planned {
    Counted {
      requireNonNull(limit, "limit");
      requireNonNull(window, "window");
      requireNonNull(key, "key");
    }
  }

  /** One counter to increment, with the expiry it gets when it is created. */
  record Increment(String key, long addend, long ttlSeconds) {
    Increment {
      requireNonNull(key, "key");
    }
  }

  /**
   * One entry per request descriptor, in order. A descriptor's own {@code hits_addend} wins over
   * the request's; the request's 0 means 1 (Envoy's rule), a descriptor's 0 reads the counter
   * without adding to it.
   */
  static List<Planned> plan(RateLimitConfig config, RateLimitRequest request, Instant now) {
    long requestAddend = request.getHitsAddend() == 0 ? 1 : request.getHitsAddend();
    List<Planned> plan = new ArrayList<>(request.getDescriptorsCount());
    for (RateLimitDescriptor descriptor : request.getDescriptorsList()) {
      List<Entry> entries = new ArrayList<>(descriptor.getEntriesCount());
      for (RateLimitDescriptor.Entry entry : descriptor.getEntriesList()) {
        entries.add(new Entry(entry.getKey(), entry.getValue()));
      }
      long addend =
          descriptor.hasHitsAddend() ? descriptor.getHitsAddend().getValue() : requestAddend;
      plan.add(
          config
              .find(request.getDomain(), entries)
              .<Planned>map(
                  limit -> {
                    Window window = Window.containing(now, requireNonNull(limit.unit(), "unit"));
                    return new Counted(
                        limit,
                        window,
                        CounterKeys.of(request.getDomain(), entries, window),
                        addend);
                  })
              .orElseGet(Unlimited::new));
    }
    return List.copyOf(plan);
  }

  /** The counters to increment, in plan order (the descriptors with a limit). */
  static List<Increment> increments(List<Planned> plan) {
    List<Increment> increments = new ArrayList<>();
    for (Planned planned : plan) {
      if (planned instanceof Counted counted) {
        increments.add(
            new Increment(counted.key(), counted.addend(), counted.window().ttlSeconds()));
      }
    }
    return List.copyOf(increments);
  }

  /**
   * The answer from the counts after incrementing ({@code counts} in {@link #increments} order). A
   * count above the limit is OVER_LIMIT, so the limit's own last hit still passes; a shadow limit
   * reports its remaining quota but answers OK.
   */
  static RateLimitResponse answer(List<Planned> plan, List<Long> counts, Instant now) {
    if (counts.size() != increments(plan).size()) {
      throw new IllegalArgumentException(
          "counts: " + counts.size() + " (expected: " + increments(plan).size() + ")");
    }
    RateLimitResponse.Builder response = RateLimitResponse.newBuilder();
    int next = 0;
    for (Planned planned : plan) {
      if (planned instanceof Counted counted) {
        long count = counts.get(next++);
        long limit = counted.limit().requestsPerUnit();
        boolean over = count > limit && counted.limit().enforcement() == Enforcement.ENFORCE;
        response.addStatuses(
            limited(counted, now)
                .setCode(over ? Code.OVER_LIMIT : Code.OK)
                .setLimitRemaining((int) Math.max(0, limit - count)));
      } else {
        response.addStatuses(DescriptorStatus.newBuilder().setCode(Code.OK));
      }
    }
    return overall(response);
  }

  /**
   * The answer when Redis could not count. A fail-open limit answers OK and leaves out {@code
   * current_limit}, so Envoy sends no {@code x-ratelimit-*} headers it could not fill truthfully; a
   * fail-closed limit answers OVER_LIMIT with nothing remaining until its window resets. A shadow
   * limit answers OK either way.
   */
  static RateLimitResponse answerUnavailable(List<Planned> plan, Instant now) {
    RateLimitResponse.Builder response = RateLimitResponse.newBuilder();
    for (Planned planned : plan) {
      if (planned instanceof Counted counted
          && counted.limit().failureMode() == FailureMode.FAIL_CLOSED) {
        boolean refuse = counted.limit().enforcement() == Enforcement.ENFORCE;
        response.addStatuses(
            limited(counted, now).setCode(refuse ? Code.OVER_LIMIT : Code.OK).setLimitRemaining(0));
      } else {
        response.addStatuses(DescriptorStatus.newBuilder().setCode(Code.OK));
      }
    }
    return overall(response);
  }

  private static DescriptorStatus.Builder limited(Counted counted, Instant now) {
    Duration left = counted.window().untilReset(now);
    DescriptorStatus.Builder status =
        DescriptorStatus.newBuilder()
            .setCurrentLimit(
                RateLimitResponse.RateLimit.newBuilder()
                    .setRequestsPerUnit((int) counted.limit().requestsPerUnit())
                    .setUnit(counted.window().unit().envoy()));
    status.getDurationUntilResetBuilder().setSeconds(left.getSeconds()).setNanos(left.getNano());
    return status;
  }

  private static RateLimitResponse overall(RateLimitResponse.Builder response) {
    boolean over =
        response.getStatusesList().stream().anyMatch(s -> s.getCode() == Code.OVER_LIMIT);
    return response.setOverallCode(over ? Code.OVER_LIMIT : Code.OK).build();
  }
}
