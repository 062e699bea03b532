package io.meshgate.testkit.ads;

import static java.util.Objects.requireNonNull;

/** Why a stream ended. */
public sealed interface StreamEnd permits StreamEnd.Failed, StreamEnd.Completed {

  /** The number of the client's stream that ended. */
  int stream();

  /** Refused, cut or ended by the server with an error. */
  record Failed(int stream, Throwable error) implements StreamEnd {
    public Failed {
      requireNonNull(error, "error");
    }
  }

  /** The server completed it. */
  record Completed(int stream) implements StreamEnd {}
}
