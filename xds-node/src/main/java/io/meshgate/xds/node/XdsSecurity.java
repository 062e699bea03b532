package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the xDS port is secured: TLS (certificate and key), client certificates (the proxy CA that
 * issued them), and whether streams without credentials are served.
 *
 * @param allowAnonymous serve streams that present neither a client certificate nor a token; they
 *     get the group their metadata names and never a secret
 */
public record XdsSecurity(
    Optional<Path> certificate,
    Optional<Path> privateKey,
    Optional<Path> clientCa,
    boolean allowAnonymous) {
  public XdsSecurity {
    requireNonNull(certificate, "certificate");
    requireNonNull(privateKey, "privateKey");
    requireNonNull(clientCa, "clientCa");
    if (certificate.isPresent() != privateKey.isPresent()) {
      throw new IllegalArgumentException(
          "TLS needs both MESHGATE_XDS_TLS_CERT and MESHGATE_XDS_TLS_KEY (one is missing)");
    }
    if (clientCa.isPresent() && certificate.isEmpty()) {
      throw new IllegalArgumentException(
          "MESHGATE_XDS_CLIENT_CA needs TLS: set MESHGATE_XDS_TLS_CERT and MESHGATE_XDS_TLS_KEY");
    }
  }

  /** No TLS; anonymous streams are served when the port is loopback-only, as standalone is. */
  public static XdsSecurity plaintext(boolean loopback) {
    return new XdsSecurity(Optional.empty(), Optional.empty(), Optional.empty(), loopback);
  }

  /**
   * The settings from the command line or environment. Without an explicit choice, anonymous
   * streams are served only when xDS binds to a loopback address: nothing off the host can reach
   * it.
   */
  public static XdsSecurity of(
      Optional<Path> certificate,
      Optional<Path> privateKey,
      Optional<Path> clientCa,
      Optional<Boolean> allowAnonymous,
      InetSocketAddress xds) {
    return new XdsSecurity(
        certificate,
        privateKey,
        clientCa,
        allowAnonymous.orElseGet(() -> xds.getAddress().isLoopbackAddress()));
  }

  public boolean tls() {
    return certificate.isPresent();
  }
}
