package io.meshgate.config.apply;

import java.util.Map;

/**
 * etcd's limits on one transaction, as meshgate assumes them: every transaction the applier builds
 * is measured against these before it is sent, and an event that cannot fit ends Rejected instead
 * of being retried forever. Set them to what the etcd cluster runs with.
 *
 * @param maxTxnOps etcd's {@code --max-txn-ops}: at most this many operations, and this many
 *     comparisons, in one transaction (etcd's default: 128)
 * @param maxRequestBytes etcd's {@code --max-request-bytes}: the largest request etcd proposes
 *     (etcd's default: 1.5 MiB)
 */
public record EtcdLimits(int maxTxnOps, long maxRequestBytes) {
  public static final String MAX_TXN_OPS_ENV = "MESHGATE_ETCD_MAX_TXN_OPS";
  public static final String MAX_REQUEST_BYTES_ENV = "MESHGATE_ETCD_MAX_REQUEST_BYTES";
  public static final int DEFAULT_MAX_TXN_OPS = 128;
  public static final long DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

  /**
   * etcd wraps a transaction in a raft entry whose header (request id, user name) counts toward
   * {@code --max-request-bytes}; this much of the budget is kept aside for it.
   */
  public static final int RAFT_HEADER_RESERVE = 1024;

  public EtcdLimits {
    if (maxTxnOps < 4) {
      throw new IllegalArgumentException(
          MAX_TXN_OPS_ENV + ": " + maxTxnOps + " (expected: 4 or more, as etcd's --max-txn-ops)");
    }
    if (maxRequestBytes < 64 * 1024) {
      throw new IllegalArgumentException(
          MAX_REQUEST_BYTES_ENV
              + ": "
              + maxRequestBytes
              + " (expected: 65536 or more, as etcd's --max-request-bytes)");
    }
  }

  public static EtcdLimits defaults() {
    return new EtcdLimits(DEFAULT_MAX_TXN_OPS, DEFAULT_MAX_REQUEST_BYTES);
  }

  /** From {@value #MAX_TXN_OPS_ENV} and {@value #MAX_REQUEST_BYTES_ENV}, else the defaults. */
  public static EtcdLimits fromEnvironment(Map<String, String> env) {
    return new EtcdLimits(
        (int) number(env, MAX_TXN_OPS_ENV, DEFAULT_MAX_TXN_OPS),
        number(env, MAX_REQUEST_BYTES_ENV, DEFAULT_MAX_REQUEST_BYTES));
  }

  /** The bytes a transaction may use: the request limit less the raft header's reserve. */
  public long transactionBytes() {
    return maxRequestBytes - RAFT_HEADER_RESERVE;
  }

  private static long number(Map<String, String> env, String name, long fallback) {
    String text = env.get(name);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(text.trim());
      if (name.equals(MAX_TXN_OPS_ENV) && value > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": '" + text + "' (expected: a whole number)", e);
    }
  }
}
