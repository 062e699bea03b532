package io.meshgate.xds.standalone;

import io.meshgate.xds.security.IssuedCertificate;
import io.meshgate.xds.security.ProxyCa;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The certificates of a standalone meshgate's own etcd when it runs with TLS: a CA of its own,
 * etcd's server certificate for 127.0.0.1 and localhost, and one client certificate for meshgate
 * and the CLI. Made on first use under {@code dir} and kept, so the CLI's settings stay valid
 * across restarts. For trying meshgate's etcd settings locally, not for production.
 *
 * @param ca the CA certificate, for etcd's {@code --trusted-ca-file} and {@code MESHGATE_ETCD_CA}
 */
record EtcdPki(
    Path ca, Path serverCertificate, Path serverKey, Path clientCertificate, Path clientKey) {
  private static final Duration VALIDITY = Duration.ofDays(365);

  static EtcdPki ensure(Path dir) {
    Path caDir = dir.resolve("ca");
    Path serverDir = dir.resolve("server");
    Path clientDir = dir.resolve("client");
    try {
      if (!Files.exists(caDir.resolve(ProxyCa.CERT_FILE))) {
        ProxyCa ca = ProxyCa.init(caDir);
        ca.issueServer(List.of("localhost"), List.of("127.0.0.1"), VALIDITY).writeTo(serverDir);
        // A client certificate of the CA's kind: etcd checks only that this CA signed it.
        ca.issueClient("standalone", VALIDITY).writeTo(clientDir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the certificates of standalone's etcd", e);
    }
    return new EtcdPki(
        caDir.resolve(ProxyCa.CERT_FILE),
        serverDir.resolve(IssuedCertificate.CHAIN_FILE),
        serverDir.resolve(IssuedCertificate.KEY_FILE),
        clientDir.resolve(IssuedCertificate.CHAIN_FILE),
        clientDir.resolve(IssuedCertificate.KEY_FILE));
  }
}
