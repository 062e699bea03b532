package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.store.EtcdConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * TLS, an etcd user and how long to wait for an answer, for whatever etcd endpoints a command is
 * given: every command that reaches etcd mixes these in (through {@link ClusterOptions} or beside
 * its own {@code --etcd}).
 */
final class EtcdAccessOptions {
  @Option(
      names = "--timeout",
      descriptionKey = "connect-timeout",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "How long to wait for Kafka and etcd to answer, and for --wait (env"
              + " MESHGATE_CONNECT_TIMEOUT; default ${DEFAULT-VALUE}).")
  Duration timeout = Duration.ofSeconds(10);

  @Option(
      names = "--etcd-ca",
      descriptionKey = "etcd-ca",
      description =
          "CA (PEM) that signed etcd's server certificate, for https:// endpoints (env"
              + " MESHGATE_ETCD_CA; default: the system trust store).")
  @Nullable Path ca;

  @Option(
      names = "--etcd-cert",
      descriptionKey = "etcd-cert",
      description =
          "Client certificate (PEM) for an etcd with --client-cert-auth (env MESHGATE_ETCD_CERT).")
  @Nullable Path certificate;

  @Option(
      names = "--etcd-key",
      descriptionKey = "etcd-key",
      description = "Private key (PEM) of --etcd-cert (env MESHGATE_ETCD_KEY).")
  @Nullable Path privateKey;

  @Option(
      names = "--etcd-user",
      descriptionKey = "etcd-user",
      description = "etcd user, for an etcd with auth enabled (env MESHGATE_ETCD_USER).")
  @Nullable String user;

  @Option(
      names = "--etcd-password-file",
      descriptionKey = "etcd-password-file",
      description = "File holding the etcd user's password (env MESHGATE_ETCD_PASSWORD_FILE).")
  @Nullable Path passwordFile;

  /** The connection to {@code endpoints} with these settings; a bad combination fails here. */
  EtcdConnection connection(String endpoints) {
    return new EtcdConnection(
        EtcdConnection.parse(endpoints),
        Optional.ofNullable(ca),
        Optional.ofNullable(certificate),
        Optional.ofNullable(privateKey),
        Optional.ofNullable(user),
        Optional.ofNullable(passwordFile));
  }

  /**
   * A client of {@code endpoints} that answered within {@code --timeout}; the caller closes it.
   *
   * @throws Reachability.Unreachable when etcd did not answer
   */
  Client client(String endpoints) {
    return Reachability.etcd(connection(endpoints), endpoints, timeout);
  }
}
