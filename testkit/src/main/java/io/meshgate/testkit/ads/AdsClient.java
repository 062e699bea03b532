package io.meshgate.testkit.ads;

import static java.util.Objects.requireNonNull;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * One simulated Envoy's ADS client: a stream over delta or state of the world that sends the
 * subscriptions, unpacks every resource into its type, ACKs a response or NACKs it (reporting the
 * last version accepted and an error detail, as Envoy does), and keeps what it holds per type (name
 * → version; in state of the world a response of listeners or clusters replaces the set, one of
 * route tables or assignments adds to it). Each answer goes to the {@link AdsObserver} after it is
 * sent.
 *
 * <pre>{@code
 * AdsClient client =
 *     AdsClient.builder(node, Protocol.DELTA)
 *         .subscribe(ResourceType.LISTENER, Subscription.wildcard())
 *         .subscribe(ResourceType.ROUTE, Subscription.named(List.of()))
 *         .observer(observer)
 *         .build();
 * client.open(channel);
 * client.subscribe(ResourceType.ROUTE, Set.of("edge")); // e.g. what the listeners name
 * }</pre>
 *
 * <p>The caller owns the channel and the reconnect policy: after {@link AdsObserver#ended} it calls
 * {@link #open} (start from nothing) or {@link #resume} (report what it holds: {@code
 * initial_resource_versions} in delta, {@code version_info} in state of the world) again.
 *
 * <p>Thread-safe: state is guarded by this; responses are handled on gRPC's threads, one at a time
 * per stream, and the observer is called outside the lock.
 */
public final class AdsClient {
  private final Node node;
  private final Protocol protocol;
  private final NodeSent nodeSent;
  private final SotwVersions sotwVersions;
  private final AdsObserver observer;

  // Guarded by this. Subscriptions keep the order they were given in: initial requests follow it.
  private final Map<ResourceType, Subscription> subscriptions;
  private final Map<ResourceType, Map<String, String>> held = new EnumMap<>(ResourceType.class);
  private final Map<ResourceType, String> acceptedVersionInfo = new EnumMap<>(ResourceType.class);
  private int streams;
  private @Nullable Stream current;

  private AdsClient(Builder builder) {
    this.node = builder.node;
    this.protocol = builder.protocol;
    this.nodeSent = builder.nodeSent;
    this.sotwVersions = builder.sotwVersions;
    this.observer = builder.observer;
    this.subscriptions = new LinkedHashMap<>(builder.subscriptions);
    for (ResourceType type : ResourceType.values()) {
      held.put(type, new HashMap<>());
    }
  }

  public static Builder builder(Node node, Protocol protocol) {
    return new Builder(node, protocol);
  }

  public Protocol protocol() {
    return protocol;
  }

  /**
   * Opens a stream on {@code channel} from nothing: what was held is forgotten. A stream still open
   * is cancelled first.
   *
   * @return the new stream's number (1, 2, ...)
   */
  public synchronized int open(Channel channel) {
    held.values().forEach(Map::clear);
    acceptedVersionInfo.clear();
    return start(channel);
  }

  /**
   * Opens a stream on {@code channel} keeping what is held, and tells the server so ({@code
   * initial_resource_versions}; {@code version_info}). A stream still open is cancelled first.
   *
   * @return the new stream's number
   */
  public synchronized int resume(Channel channel) {
    return start(channel);
  }

  /**
   * Changes a by-name subscription to {@code names}: drops what is held of the names left, and
   * tells the server on the current stream (delta: the names added and removed; state of the world:
   * the whole list, unless it is empty, which would ask for everything).
   */
  public synchronized void subscribe(ResourceType type, Set<String> names) {
    Subscription before = subscriptions.get(type);
    if (before instanceof Subscription.Wildcard) {
      throw new IllegalStateException(type + ": wildcard (expected: a by-name subscription)");
    }
    Set<String> old = before == null ? Set.of() : ((Subscription.Named) before).names();
    if (old.equals(names)) {
      return;
    }
    Set<String> added = new TreeSet<>(names);
    added.removeAll(old);
    Set<String> removed = new TreeSet<>(old);
    removed.removeAll(names);
    subscriptions.put(type, Subscription.named(names));
    held.get(type).keySet().removeAll(removed);
    Stream stream = current;
    if (stream == null) {
      return;
    }
    if (protocol == Protocol.DELTA) {
      stream.delta(
          deltaRequest(stream, type)
              .addAllResourceNamesSubscribe(added)
              .addAllResourceNamesUnsubscribe(removed));
    } else if (!names.isEmpty()) {
      stream.sotw(sotwRequest(type, stream.lastNonce.getOrDefault(type, "")));
    }
  }

  /** What it holds of a type: name → version. */
  public synchronized Map<String, String> held(ResourceType type) {
    return Map.copyOf(held.get(type));
  }

  /** The {@code version_info} of the last state-of-the-world response of a type it accepted. */
  public synchronized String acceptedVersionInfo(ResourceType type) {
    return acceptedVersionInfo.getOrDefault(type, "");
  }

  /** Streams opened so far. */
  public synchronized int streams() {
    return streams;
  }

  /** Half-closes the current stream; the observer hears of nothing after this. */
  public synchronized void close() {
    Stream stream = current;
    current = null;
    if (stream != null) {
      stream.complete();
    }
  }

  private int start(Channel channel) {
    Stream previous = current;
    if (previous != null) {
      previous.cancel();
    }
    Stream stream = new Stream(++streams);
    current = stream;
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (protocol == Protocol.DELTA) {
      stream.deltaRequests = stub.deltaAggregatedResources(stream.observer(this::onDelta));
      subscriptions.forEach(
          (type, subscription) -> {
            DeltaDiscoveryRequest.Builder request =
                deltaRequest(stream, type).putAllInitialResourceVersions(held.get(type));
            if (subscription instanceof Subscription.Named named) {
              if (named.names().isEmpty()) {
                return;
              }
              request.addAllResourceNamesSubscribe(named.names());
            } else {
              request.addResourceNamesSubscribe("*");
            }
            stream.delta(request);
          });
    } else {
      stream.sotwRequests = stub.streamAggregatedResources(stream.observer(this::onSotw));
      subscriptions.forEach(
          (type, subscription) -> {
            if (!(subscription instanceof Subscription.Named named && named.names().isEmpty())) {
              stream.sotw(sotwRequest(type, ""));
            }
          });
    }
    return stream.number;
  }

  private DeltaDiscoveryRequest.Builder deltaRequest(Stream stream, ResourceType type) {
    DeltaDiscoveryRequest.Builder request =
        DeltaDiscoveryRequest.newBuilder().setTypeUrl(type.typeUrl());
    if (nodeSent == NodeSent.ON_EVERY_REQUEST || !stream.nodeSent) {
      request.setNode(node);
    }
    return request;
  }

  private DiscoveryRequest.Builder sotwRequest(ResourceType type, String nonce) {
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(type.typeUrl())
            .setVersionInfo(acceptedVersionInfo.getOrDefault(type, ""))
            .setResponseNonce(nonce);
    if (subscriptions.get(type) instanceof Subscription.Named named) {
      request.addAllResourceNames(named.names());
    }
    return request;
  }

  private void onDelta(Stream from, DeltaDiscoveryResponse response) {
    Unpacking.Read read = Unpacking.delta(from.number, response);
    String refusal = refusal(read);
    Answer answer;
    synchronized (this) {
      if (from != current) {
        return;
      }
      DeltaDiscoveryRequest.Builder request =
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce());
      if (nodeSent == NodeSent.ON_EVERY_REQUEST || !from.nodeSent) {
        request.setNode(node);
      }
      if (refusal == null) {
        ResourceType type = ResourceType.of(response.getTypeUrl()).orElseThrow();
        Map<String, String> holding = held.get(type);
        read.received().resources().forEach(r -> holding.put(r.name(), r.version()));
        response.getRemovedResourcesList().forEach(holding::remove);
        answer = new Answer.Accepted(type, read.received(), read.unpacked());
      } else {
        request.setErrorDetail(errorDetail(refusal));
        answer = new Answer.Rejected(read.received(), refusal);
      }
      from.delta(request);
    }
    observer.answered(answer);
  }

  private void onSotw(Stream from, DiscoveryResponse response) {
    Unpacking.Read read = Unpacking.sotw(from.number, response, sotwVersions);
    String refusal = refusal(read);
    Answer answer;
    synchronized (this) {
      if (from != current) {
        return;
      }
      var type = ResourceType.of(response.getTypeUrl());
      type.ifPresent(t -> from.lastNonce.put(t, response.getNonce()));
      DiscoveryRequest.Builder request;
      if (refusal == null) {
        ResourceType accepted = type.orElseThrow();
        Map<String, String> versions = new HashMap<>();
        read.received().resources().forEach(r -> versions.put(r.name(), r.version()));
        if (accepted.sotwWholeSet()) {
          held.put(accepted, versions); // the whole state: what it leaves out is gone
        } else {
          held.get(accepted).putAll(versions); // only what is needed; need not repeat what is held
        }
        acceptedVersionInfo.put(accepted, response.getVersionInfo());
        request = sotwRequest(accepted, response.getNonce());
        answer = new Answer.Accepted(accepted, read.received(), read.unpacked());
      } else {
        request =
            type.isPresent()
                ? sotwRequest(type.get(), response.getNonce())
                : DiscoveryRequest.newBuilder()
                    .setNode(node)
                    .setTypeUrl(response.getTypeUrl())
                    .setResponseNonce(response.getNonce());
        request.setErrorDetail(errorDetail(refusal));
        answer = new Answer.Rejected(read.received(), refusal);
      }
      from.sotw(request);
    }
    observer.answered(answer);
  }

  private @Nullable String refusal(Unpacking.Read read) {
    if (read.problem() != null) {
      return read.problem();
    }
    return observer.refusal(read.received(), read.unpacked()).orElse(null);
  }

  private void onEnd(Stream from, StreamEnd end) {
    synchronized (this) {
      if (from != current) {
        return;
      }
      current = null;
    }
    observer.ended(end);
  }

  private static Status errorDetail(String refusal) {
    return Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(refusal).build();
  }

  /** One stream's request side and per-stream state; guarded by the client. */
  private final class Stream {
    final int number;
    final Map<ResourceType, String> lastNonce = new HashMap<>();
    boolean nodeSent;
    @Nullable StreamObserver<DeltaDiscoveryRequest> deltaRequests;
    @Nullable StreamObserver<DiscoveryRequest> sotwRequests;

    Stream(int number) {
      this.number = number;
    }

    void delta(DeltaDiscoveryRequest.Builder request) {
      nodeSent = true;
      requireNonNull(deltaRequests, "deltaRequests").onNext(request.build());
    }

    void sotw(DiscoveryRequest.Builder request) {
      nodeSent = true;
      requireNonNull(sotwRequests, "sotwRequests").onNext(request.build());
    }

    void complete() {
      (deltaRequests != null ? deltaRequests : requireNonNull(sotwRequests, "sotwRequests"))
          .onCompleted();
    }

    void cancel() {
      StreamObserver<?> requests = deltaRequests != null ? deltaRequests : sotwRequests;
      if (requests instanceof ClientCallStreamObserver<?> call) {
        call.cancel("replaced by stream " + (number + 1), null);
      }
    }

    <T> StreamObserver<T> observer(ResponseHandler<T> onResponse) {
      return new StreamObserver<>() {
        @Override
        public void onNext(T response) {
          onResponse.handle(Stream.this, response);
        }

        @Override
        public void onError(Throwable t) {
          onEnd(Stream.this, new StreamEnd.Failed(number, t));
        }

        @Override
        public void onCompleted() {
          onEnd(Stream.this, new StreamEnd.Completed(number));
        }
      };
    }
  }

  private interface ResponseHandler<T> {
    void handle(Stream from, T response);
  }

  /** The client's settings; only the node and the protocol are required. */
  public static final class Builder {
    private final Node node;
    private final Protocol protocol;
    private final Map<ResourceType, Subscription> subscriptions = new LinkedHashMap<>();
    private NodeSent nodeSent = NodeSent.AS_ENVOY_DOES;
    private SotwVersions sotwVersions = SotwVersions.RESPONSE_VERSION;
    private AdsObserver observer = new AdsObserver() {};

    private Builder(Node node, Protocol protocol) {
      this.node = requireNonNull(node, "node");
      this.protocol = requireNonNull(protocol, "protocol");
    }

    /** Subscribes to a type; initial requests go in the order of these calls. */
    public Builder subscribe(ResourceType type, Subscription subscription) {
      subscriptions.put(requireNonNull(type, "type"), requireNonNull(subscription, "subscription"));
      return this;
    }

    /** Default {@link NodeSent#AS_ENVOY_DOES}. */
    public Builder nodeSent(NodeSent nodeSent) {
      this.nodeSent = requireNonNull(nodeSent, "nodeSent");
      return this;
    }

    /** Default {@link SotwVersions#RESPONSE_VERSION}. */
    public Builder sotwVersions(SotwVersions sotwVersions) {
      this.sotwVersions = requireNonNull(sotwVersions, "sotwVersions");
      return this;
    }

    public Builder observer(AdsObserver observer) {
      this.observer = requireNonNull(observer, "observer");
      return this;
    }

    public AdsClient build() {
      if (subscriptions.isEmpty()) {
        throw new IllegalStateException("no subscription (expected: at least one type)");
      }
      return new AdsClient(this);
    }
  }
}
