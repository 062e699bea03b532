package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Proxyless gRPC clients making real calls through every fault: grpc-java's own xDS client
 * (grpc-xds), one per replica, each resolving {@code xds:///}{@value #TARGET} through that
 * replica's ADS fault proxy and calling the echo server the Backend names, five times a second. The
 * Backend does not change during a run, so once a client has its config, a control plane that is
 * down, paused, cut off or behind must not cost it a call: grpc-xds keeps what it holds while its
 * stream is gone, and a replica must never serve it less than the config it had.
 */
final class GrpcCallers implements AutoCloseable {
  static final String NAMESPACE = "chaos-echo";
  static final String TARGET = "echo." + NAMESPACE;

  /** One client's calls. */
  static final class Caller {
    final String name;
    final GrpcXdsClient client;
    final ManagedChannel channel;
    long succeeded;
    long failedAfterFirstSuccess;
    final List<String> failures = new ArrayList<>();

    Caller(String name, GrpcXdsClient client) {
      this.name = name;
      this.client = client;
      this.channel = client.channel(TARGET);
    }
  }

  private final List<Caller> callers = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private final Timeline timeline;

  GrpcCallers(List<String> adsAddresses, Timeline timeline) {
    this.timeline = requireNonNull(timeline, "timeline");
    for (int i = 0; i < adsAddresses.size(); i++) {
      String[] hostPort = adsAddresses.get(i).split(":");
      GrpcXdsClient client =
          GrpcXdsClient.connectTo(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
              .nodeId("grpc-" + i)
              .nodeCluster("proxyless")
              .metadata("meshgate.io/proxyless", "true")
              .build();
      callers.add(new Caller("grpc-" + i, client));
    }
    thread = new Thread(this::run, "chaos-grpc-callers");
    thread.setDaemon(true);
  }

  GrpcCallers start() {
    thread.start();
    return this;
  }

  private void run() {
    while (running.get()) {
      for (Caller caller : callers) {
        call(caller);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void call(Caller caller) {
    try {
      EchoServers.identify(caller.channel);
      synchronized (this) {
        if (caller.succeeded == 0) {
          timeline.log(caller.name, "first call answered");
        }
        caller.succeeded++;
      }
    } catch (RuntimeException e) {
      synchronized (this) {
        if (caller.succeeded > 0) {
          caller.failedAfterFirstSuccess++;
          if (caller.failures.size() < 5) {
            caller.failures.add(timeline.now() + " ms: " + e.getMessage());
            timeline.log(caller.name, "call failed: " + e.getMessage());
          }
        }
      }
    }
  }

  /** Findings: a client that never got through, or lost a call once it had. */
  synchronized List<String> findings() {
    List<String> findings = new ArrayList<>();
    for (Caller caller : callers) {
      if (caller.succeeded == 0) {
        findings.add(caller.name + " (grpc-xds) never completed a call to " + TARGET);
      } else if (caller.failedAfterFirstSuccess > 0) {
        findings.add(
            caller.name
                + " (grpc-xds) lost "
                + caller.failedAfterFirstSuccess
                + " of "
                + (caller.succeeded + caller.failedAfterFirstSuccess)
                + " calls after its first answer, first: "
                + caller.failures);
      }
    }
    return findings;
  }

  synchronized String summary() {
    return callers.stream()
        .map(c -> c.name + " " + c.succeeded + " ok, " + c.failedAfterFirstSuccess + " failed")
        .toList()
        .toString();
  }

  @Override
  public void close() {
    running.set(false);
    thread.interrupt();
    callers.forEach(c -> c.client.close());
  }
}
