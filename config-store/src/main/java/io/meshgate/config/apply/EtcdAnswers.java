package io.meshgate.config.apply;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.util.Locale;

/**
 * Tells etcd's failures apart: an outage (unavailable, deadline exceeded, leader changes, a full
 * database, rate limits, credentials) is retried after a pause; a request etcd refuses as such (too
 * many operations, too large, any other invalid argument or failed precondition) is the event's
 * fault, since a retry sends the same request and gets the same answer.
 */
final class EtcdAnswers {
  private EtcdAnswers() {}

  static RuntimeException classify(Throwable failure) {
    String code = code(failure);
    String message = String.valueOf(failure.getMessage());
    String lower = message.toLowerCase(Locale.ROOT);
    switch (code) {
      case "INVALID_ARGUMENT", "FAILED_PRECONDITION" -> {
        // The one invalid argument a retry fixes: the client's auth token predates a change of
        // etcd's users; jetcd fetches a new one.
        if (lower.contains("revision of auth store is old")) {
          return unavailable(failure);
        }
        if (lower.contains("too many operations")) {
          return new EtcdRefusedException(
              EtcdRefusedException.Why.TOO_MANY_OPERATIONS, message, failure);
        }
        if (lower.contains("too large")) {
          return new EtcdRefusedException(EtcdRefusedException.Why.TOO_LARGE, message, failure);
        }
        return new EtcdRefusedException(EtcdRefusedException.Why.OTHER, message, failure);
      }
      case "RESOURCE_EXHAUSTED" -> {
        // gRPC's own limit on the message etcd receives (--max-request-bytes plus 512 KiB) is the
        // request's fault; etcd's "too many requests" and "no space" are outages.
        if (lower.contains("larger than max") || lower.contains("too large")) {
          return new EtcdRefusedException(EtcdRefusedException.Why.TOO_LARGE, message, failure);
        }
        return unavailable(failure);
      }
      default -> {
        return unavailable(failure);
      }
    }
  }

  private static EtcdUnavailableException unavailable(Throwable failure) {
    return new EtcdUnavailableException("etcd request failed: " + failure, failure);
  }

  private static String code(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof EtcdException etcd) {
        return etcd.getErrorCode().name();
      }
    }
    Status status = Status.fromThrowable(failure);
    return status.getCode().name();
  }
}
