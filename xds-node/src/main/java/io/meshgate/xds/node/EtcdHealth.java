package io.meshgate.xds.node;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.meshgate.config.store.Keyspace;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether etcd answers: a count-only read every {@code period}, each with a timeout of one period.
 * Two failures in a row make it unreachable (a replica then reports not ready, and keeps serving
 * its current snapshots); one success makes it reachable again.
 */
final class EtcdHealth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EtcdHealth.class);
  private static final ByteSequence PROBE =
      ByteSequence.from(Keyspace.ROOT + "leader", StandardCharsets.UTF_8);

  private final Client etcd;
  private final Duration period;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "meshgate-etcd-health");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean reachable = true;
  private int failures;

  EtcdHealth(Client etcd, Duration period) {
    this.etcd = etcd;
    this.period = period;
    thread.scheduleWithFixedDelay(this::probe, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean reachable() {
    return reachable;
  }

  private void probe() {
    try {
      etcd.getKVClient()
          .get(PROBE, GetOption.builder().withCountOnly(true).build())
          .get(period.toMillis(), TimeUnit.MILLISECONDS);
      if (!reachable) {
        log.info("etcd answers again");
      }
      failures = 0;
      reachable = true;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        return;
      }
      failures++;
      if (failures >= 2 && reachable) {
        reachable = false;
        log.warn(
            "etcd does not answer ({}); serving the current snapshots, not ready", e.toString());
      }
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
