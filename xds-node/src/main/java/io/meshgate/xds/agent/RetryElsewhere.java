package io.meshgate.xds.agent;

/** Why a session with one node ended in a way the next node may not share. */
final class RetryElsewhere extends Exception {
  RetryElsewhere(String message) {
    super(message);
  }
}
