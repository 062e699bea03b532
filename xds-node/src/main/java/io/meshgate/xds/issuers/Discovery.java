package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

/** What meshgate knows of one issuer: its metadata, the last good metadata, or none and why. */
public sealed interface Discovery {
  /** The last fetch succeeded. */
  record Current(IssuerMetadata metadata) implements Discovery {
    public Current {
      requireNonNull(metadata, "metadata");
    }
  }

  /** The last fetch failed after an earlier one succeeded: {@code metadata} is the last good. */
  record Stale(IssuerMetadata metadata, Failure failure) implements Discovery {
    public Stale {
      requireNonNull(metadata, "metadata");
      requireNonNull(failure, "failure");
    }
  }

  /** No fetch has succeeded yet. */
  record Missing(Failure failure) implements Discovery {
    public Missing {
      requireNonNull(failure, "failure");
    }
  }

  /**
   * Why a fetch failed: the kind, and a detail that names no secret (a status code, the issuer a
   * document claims, the size limit).
   */
  record Failure(Kind kind, String detail) {
    public Failure {
      requireNonNull(kind, "kind");
      requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
      return detail.isEmpty() ? kind.text() : kind.text() + " (" + detail + ")";
    }
  }

  /** Why an issuer has no current metadata. */
  enum Kind {
    PENDING("its discovery document has not been fetched yet"),
    UNREACHABLE("its discovery document cannot be fetched"),
    TIMEOUT("fetching its discovery document timed out"),
    CERTIFICATE_NOT_TRUSTED("its TLS certificate is not trusted"),
    ISSUER_MISMATCH("its discovery document names another issuer"),
    MALFORMED("its discovery document is malformed");

    private final String text;

    Kind(String text) {
      this.text = text;
    }

    /** The reason as a sentence fragment about the issuer ("its TLS certificate ..."). */
    public String text() {
      return text;
    }
  }
}
