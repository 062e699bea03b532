package io.meshgate.config.apply;

/**
 * etcd refused a request as such (too many operations, too large, any other invalid argument): a
 * retry cannot change the answer, so the event that needed it ends Rejected and the partition moves
 * on.
 */
final class EtcdRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What etcd refused, as far as its answer tells. */
  enum Why {
    TOO_MANY_OPERATIONS,
    TOO_LARGE,
    OTHER
  }

  private final Why why;

  EtcdRefusedException(Why why, String message, Throwable cause) {
    super(message, cause);
    this.why = why;
  }

  Why why() {
    return why;
  }
}
