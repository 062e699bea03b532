package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.meshgate.config.event.KafkaClientConfig;
import io.meshgate.config.store.EtcdConnection;
import io.meshgate.config.store.Keyspace;
import io.meshgate.xds.node.NodeSettings;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Whether Kafka and etcd answer within {@code --timeout}, for a command run once. A command asks
 * before its first call, so that an unreachable Kafka or etcd ends it with one line naming what and
 * where, not with the client libraries' retries. Only "no answer" counts as unreachable: an answer
 * that refuses (a wrong password, a TLS handshake etcd rejected, a missing permission) is the
 * command's to report, with the reason.
 */
final class Reachability {
  private Reachability() {}

  /** Kafka or etcd did not answer within the timeout; the message is the whole story. */
  static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Returns when a Kafka broker at {@code bootstrapServers} has described its cluster.
   *
   * @throws Unreachable when none answered within {@code timeout}
   */
  static void kafka(String bootstrapServers, KafkaClientConfig client, Duration timeout) {
    int millis = millis(timeout);
    try (Admin admin = Admin.create(adminConfig(bootstrapServers, client, timeout))) {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(millis))
          .clusterId()
          .get(millis + 1_000L, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw kafkaUnreachable(bootstrapServers, timeout);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RetriableException) {
        throw kafkaUnreachable(bootstrapServers, timeout);
      }
      // Kafka answered, and refused (authentication, authorisation): publishing reports why.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reaching Kafka", e);
    }
  }

  /** An admin client's settings: {@code --kafka}, the client's file and {@code timeout}. */
  static Map<String, Object> adminConfig(
      String bootstrapServers, KafkaClientConfig client, Duration timeout) {
    int millis = millis(timeout);
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
    Map<String, Object> merged = client.over(config);
    // A producer's properties file may hold producer settings the admin client does not know.
    merged.keySet().retainAll(AdminClientConfig.configNames());
    return merged;
  }

  /**
   * A client of {@code connection} that has answered a read within {@code timeout}; the caller
   * closes it.
   *
   * @param endpoints the endpoints as the user gave them, for the message
   * @throws Unreachable when etcd did not answer within {@code timeout}
   */
  static Client etcd(EtcdConnection connection, String endpoints, Duration timeout) {
    Client client = connection.connectFailingFast();
    try {
      client
          .getKVClient()
          .get(ByteSequence.from(Keyspace.ROOT, UTF_8))
          .get(millis(timeout), TimeUnit.MILLISECONDS);
      return client;
    } catch (TimeoutException e) {
      client.close();
      throw etcdUnreachable(endpoints, timeout);
    } catch (ExecutionException e) {
      if (noConnection(e)) {
        client.close();
        throw etcdUnreachable(endpoints, timeout);
      }
      // etcd answered, and refused (TLS, authentication, permission): the command reports why.
      return client;
    } catch (InterruptedException e) {
      client.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reaching etcd", e);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  static Unreachable kafkaUnreachable(String bootstrapServers, Duration timeout) {
    return new Unreachable(
        "cannot reach Kafka at "
            + NodeSettings.redacted(bootstrapServers)
            + " within "
            + text(timeout)
            + " (is it running? MESHGATE_KAFKA; a TLS listener needs the client's"
            + " security.protocol: MESHGATE_KAFKA_CONFIG)");
  }

  static Unreachable etcdUnreachable(String endpoints, Duration timeout) {
    return new Unreachable(
        "cannot reach etcd at "
            + NodeSettings.redacted(endpoints)
            + " within "
            + text(timeout)
            + " (is it running? MESHGATE_ETCD)");
  }

  /**
   * A replica's admin HTTP did not answer (or refused), for proxy-status and proxy-config.
   *
   * @param why what happened, e.g. "no answer within 10s" or "401: the admin token was refused"
   */
  static Unreachable adminUnreachable(String replica, String address, String why) {
    return new Unreachable(
        "cannot reach replica "
            + replica
            + "'s admin at "
            + address
            + ": "
            + why
            + " (is it running? the address is its --admin-advertise; the token:"
            + " MESHGATE_ADMIN_TOKEN_FILE)");
  }

  /** A duration as it is written on the command line: {@code 10s}, {@code 1500ms}, {@code 2m}. */
  static String text(Duration duration) {
    if (duration.toMillis() % 1_000 != 0) {
      return duration.toMillis() + "ms";
    }
    long seconds = duration.toSeconds();
    if (seconds != 0 && seconds % 3_600 == 0) {
      return seconds / 3_600 + "h";
    }
    if (seconds != 0 && seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  static int millis(Duration timeout) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }

  /** A refused connection or an unknown host: nothing answered at that address. */
  private static boolean noConnection(Throwable failure) {
    int depth = 0;
    for (Throwable cause = failure; cause != null && depth < 10; cause = cause.getCause()) {
      if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
        return true;
      }
      depth++;
    }
    return false;
  }
}
