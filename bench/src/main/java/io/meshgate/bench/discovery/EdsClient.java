package io.meshgate.bench.discovery;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * One simulated proxy of the proxyless group on a delta ADS stream, subscribed to the assignments
 * ({@code default/svc-0} … ) of every service: it unpacks each response, ACKs it (or NACKs what it
 * cannot unpack), and then reports to {@link HealthFlips} every endpoint whose health differs from
 * what it held, with the time of its ACK. It keeps one bit per instance (unhealthy or not), so a
 * thousand clients of five thousand instances hold 625 KB. Callbacks of one stream run one at a
 * time (gRPC's contract), so the bits need no lock; the counters are read from other threads.
 */
final class EdsClient {
  static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final String PREFIX = "default/svc-";

  private final Node node;
  private final List<String> names;
  private final int instancesPerService;
  private final HealthFlips flips;
  private final BitSet unhealthy;
  private final BitSet held;
  private volatile int servicesHeld;
  private volatile int endpointsHeld;
  private volatile long responses;
  private volatile long resources;
  private volatile int nacks;
  private volatile Throwable error;
  private StreamObserver<DeltaDiscoveryRequest> requests;

  EdsClient(String nodeId, int services, int instancesPerService, HealthFlips flips) {
    this.node =
        Node.newBuilder()
            .setId(nodeId)
            .setCluster("proxyless")
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        "meshgate.io/proxyless", Value.newBuilder().setStringValue("true").build()))
            .build();
    List<String> all = new ArrayList<>(services);
    for (int s = 0; s < services; s++) {
      all.add(PREFIX + s);
    }
    this.names = List.copyOf(all);
    this.instancesPerService = instancesPerService;
    this.flips = flips;
    this.unhealthy = new BitSet(services * instancesPerService);
    this.held = new BitSet(services);
  }

  void connect(Channel channel) {
    requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(new Observer());
    synchronized (this) {
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(ENDPOINT)
              .addAllResourceNamesSubscribe(names)
              .build());
    }
  }

  /** How many of the services' assignments the client holds. */
  int servicesHeld() {
    return servicesHeld;
  }

  /** Endpoints over the assignments it holds (the last of each). */
  int endpointsHeld() {
    return endpointsHeld;
  }

  long responses() {
    return responses;
  }

  long resources() {
    return resources;
  }

  int nacks() {
    return nacks;
  }

  Throwable error() {
    return error;
  }

  void close() {
    synchronized (this) {
      if (requests != null) {
        requests.onCompleted();
      }
    }
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  private final class Observer implements StreamObserver<DeltaDiscoveryResponse> {
    private final int[] endpointsPerService = new int[names.size()];
    private int endpointTotal;

    @Override
    public void onNext(DeltaDiscoveryResponse response) {
      List<ClusterLoadAssignment> assignments = new ArrayList<>(response.getResourcesCount());
      String refusal = null;
      if (!response.getTypeUrl().equals(ENDPOINT)) {
        refusal = "unexpected type " + response.getTypeUrl();
      }
      for (Resource resource : response.getResourcesList()) {
        if (refusal != null) {
          break;
        }
        try {
          assignments.add(resource.getResource().unpack(ClusterLoadAssignment.class));
        } catch (InvalidProtocolBufferException e) {
          refusal = "cannot unpack " + resource.getName() + ": " + e.getMessage();
        }
      }
      DeltaDiscoveryRequest.Builder answer =
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce());
      if (refusal != null) {
        answer.setErrorDetail(
            Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(refusal).build());
      }
      synchronized (EdsClient.this) {
        requests.onNext(answer.build());
      }
      long ackedAt = nowMicros();
      responses++;
      if (refusal != null) {
        nacks++;
        return;
      }
      resources += assignments.size();
      for (ClusterLoadAssignment assignment : assignments) {
        seen(assignment, ackedAt);
      }
      servicesHeld = held.cardinality();
      endpointsHeld = endpointTotal;
    }

    /** Compares each endpoint's health with the bit held; reports the ones that changed. */
    private void seen(ClusterLoadAssignment assignment, long ackedAt) {
      String name = assignment.getClusterName();
      if (!name.startsWith(PREFIX)) {
        return;
      }
      int service = Integer.parseInt(name.substring(PREFIX.length()));
      held.set(service);
      int count = 0;
      for (LocalityLbEndpoints locality : assignment.getEndpointsList()) {
        for (LbEndpoint endpoint : locality.getLbEndpointsList()) {
          count++;
          String address = endpoint.getEndpoint().getAddress().getSocketAddress().getAddress();
          int instance = Integer.parseInt(address.substring(address.lastIndexOf('.') + 1)) - 1;
          int bit = service * instancesPerService + instance;
          boolean nowUnhealthy = endpoint.getHealthStatus() == HealthStatus.UNHEALTHY;
          if (unhealthy.get(bit) != nowUnhealthy) {
            unhealthy.set(bit, nowUnhealthy);
            flips.seen(bit, nowUnhealthy, ackedAt);
          }
        }
      }
      endpointTotal += count - endpointsPerService[service];
      endpointsPerService[service] = count;
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}
  }
}
