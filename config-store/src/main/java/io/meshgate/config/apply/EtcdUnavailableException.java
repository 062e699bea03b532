package io.meshgate.config.apply;

/** etcd did not answer in time; the applier pauses and retries, losing nothing. */
final class EtcdUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EtcdUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
