package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

/**
 * What meshgate knows of one issuer: its metadata, the last good metadata, or none and why. Its
 * {@link Failure} and {@link Kind} also say why a remote key set is not current ({@link
 * KnownKeySet}).
 */
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
      return about(ISSUER_DOCUMENT);
    }

    /** The failure as a sentence fragment about {@code document} ("its key set"). */
    public String about(String document) {
      String text = kind.about(document);
      return detail.isEmpty() ? text : text + " (" + detail + ")";
    }
  }

  /** What an issuer's failures speak of. */
  String ISSUER_DOCUMENT = "its discovery document";

  /** Why a watched document (an issuer's discovery document, a key set) is not current. */
  enum Kind {
    PENDING("%s has not been fetched yet"),
    UNREACHABLE("%s cannot be fetched"),
    TIMEOUT("fetching %s timed out"),
    CERTIFICATE_NOT_TRUSTED("its TLS certificate is not trusted"),
    ISSUER_MISMATCH("%s names another issuer"),
    MALFORMED("%s is malformed"),
    TOO_LARGE("%s is too large");

    private final String template;

    Kind(String template) {
      this.template = template;
    }

    /** The reason as a sentence fragment about the issuer ("its TLS certificate ..."). */
    public String text() {
      return about(ISSUER_DOCUMENT);
    }

    /** The reason as a sentence fragment about {@code document} ("its key set cannot ..."). */
    public String about(String document) {
      return template.replace("%s", document);
    }
  }
}
