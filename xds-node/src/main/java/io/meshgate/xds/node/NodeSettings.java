package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.apply.EtcdLimits;
import io.meshgate.config.apply.Planner;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One replica's settings.
 *
 * @param xdsAddress where ADS is served (default 127.0.0.1:18000; plaintext until the xDS security
 *     issue)
 * @param adminAddress where /healthz, /readyz and /debug are served (default 127.0.0.1:19000)
 * @param historyLimit generations kept per resource by this replica's applier (null: 10)
 * @param etcdLimits what etcd takes in one transaction, as its --max-txn-ops and
 *     --max-request-bytes (null: etcd's defaults)
 * @param limits stream admission, connection age and shutdown grace (null: the defaults)
 * @param sealKey the cluster's private seal key (PEM file), to unseal listener certificates; null:
 *     listeners with sealed certificates are left out, with a Problem
 */
public record NodeSettings(
    String kafka,
    String etcd,
    String replicaId,
    InetSocketAddress xdsAddress,
    InetSocketAddress adminAddress,
    Duration quiet,
    Duration max,
    XdsSecurity security,
    Path sealKey,
    ServingLimits limits,
    Integer historyLimit,
    EtcdLimits etcdLimits) {
  public NodeSettings {
    historyLimit = historyLimit == null ? Planner.DEFAULT_HISTORY : historyLimit;
    etcdLimits = etcdLimits == null ? EtcdLimits.defaults() : etcdLimits;
    limits = limits == null ? ServingLimits.DEFAULTS : limits;
    requireNonNull(kafka, "kafka");
    requireNonNull(etcd, "etcd");
    requireNonNull(replicaId, "replicaId");
    requireNonNull(xdsAddress, "xdsAddress");
    requireNonNull(adminAddress, "adminAddress");
    requireNonNull(quiet, "quiet");
    requireNonNull(max, "max");
    requireNonNull(security, "security");
  }

  /** Without a seal key. */
  public NodeSettings(
      String kafka,
      String etcd,
      String replicaId,
      InetSocketAddress xdsAddress,
      InetSocketAddress adminAddress,
      Duration quiet,
      Duration max,
      XdsSecurity security) {
    this(
        kafka,
        etcd,
        replicaId,
        xdsAddress,
        adminAddress,
        quiet,
        max,
        security,
        null,
        null,
        null,
        null);
  }

  public NodeSettings withSealKey(Path sealKey) {
    return new NodeSettings(
        kafka,
        etcd,
        replicaId,
        xdsAddress,
        adminAddress,
        quiet,
        max,
        security,
        sealKey,
        limits,
        historyLimit,
        etcdLimits);
  }

  public NodeSettings withLimits(ServingLimits limits) {
    return new NodeSettings(
        kafka,
        etcd,
        replicaId,
        xdsAddress,
        adminAddress,
        quiet,
        max,
        security,
        sealKey,
        limits,
        historyLimit,
        etcdLimits);
  }

  /** Plaintext xDS, anonymous streams allowed only on a loopback address. */
  public NodeSettings(
      String kafka,
      String etcd,
      String replicaId,
      InetSocketAddress xdsAddress,
      InetSocketAddress adminAddress,
      Duration quiet,
      Duration max) {
    this(
        kafka,
        etcd,
        replicaId,
        xdsAddress,
        adminAddress,
        quiet,
        max,
        XdsSecurity.plaintext(
            xdsAddress.getAddress() != null && xdsAddress.getAddress().isLoopbackAddress()));
  }

  /** Kafka and etcd addresses as logged: a password in a URL's user info becomes {@code ***}. */
  public static String redacted(String addresses) {
    return addresses.replaceAll("//([^:/@,]+):[^@/,]*@", "//$1:***@");
  }

  /** {@code host:port} → an address; {@code :port} means 127.0.0.1. */
  public static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("address: '" + hostPort + "' (expected: host:port)");
    }
    String host = colon == 0 ? "127.0.0.1" : hostPort.substring(0, colon);
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    return new InetSocketAddress(host, port);
  }
}
