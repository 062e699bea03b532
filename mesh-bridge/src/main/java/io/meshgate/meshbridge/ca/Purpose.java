package io.meshgate.meshbridge.ca;

/** What a leaf certificate may authenticate, as its extended key usage says. */
public enum Purpose {
  /** A TLS client: a proxy towards the xDS port. */
  CLIENT,
  /** A TLS server: the xDS port. */
  SERVER,
  /** Both ends of mTLS: a mesh workload calls and is called with the same identity. */
  CLIENT_AND_SERVER
}
