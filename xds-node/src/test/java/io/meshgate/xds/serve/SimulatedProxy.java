package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.snapshot.TypeUrls;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One simulated proxy on one ADS stream: the same verbs over state of the world or delta, so one
 * contract runs against both. It keeps what a real proxy keeps — the names it asks for, and per
 * type what it holds after its ACKs — and on {@link #reconnect} opens a new stream that says what
 * it holds, as Envoy and gRPC do; {@link #restart} is a new process that holds nothing.
 */
abstract class SimulatedProxy {
  /** One response, whichever protocol carried it. */
  record Answer(
      String typeUrl,
      String version,
      String nonce,
      Map<String, String> tags,
      Map<String, String> resourceVersions,
      List<String> removed) {}

  final Node node;
  final Channel channel;
  final BlockingQueue<Answer> received = new LinkedBlockingQueue<>();
  final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

  /** Names asked for per type, in the order the types were first asked for. */
  final Map<String, Set<String>> asked = new LinkedHashMap<>();

  /** Per type, name → tag of what it holds. */
  final Map<String, Map<String, String>> held = new HashMap<>();

  private ClientCallStreamObserver<?> call;
  private final boolean reading;

  SimulatedProxy(Channel channel, Node node, boolean reading) {
    this.channel = channel;
    this.node = node;
    this.reading = reading;
  }

  /** Asks for these names of a type: none is the protocol's empty list. */
  abstract void ask(String typeUrl, String... names);

  abstract void ack(Answer answer);

  abstract void nack(Answer answer, String detail);

  /** A new stream for the same node that says what it holds and asks again for what it asked. */
  SimulatedProxy reconnect() {
    return reconnect(channel);
  }

  /** {@link #reconnect()}, to the replica at the end of {@code to}. */
  abstract SimulatedProxy reconnect(Channel to);

  /** A new stream for the same node from a new process: it holds nothing and asks again. */
  SimulatedProxy restart() {
    return restart(channel);
  }

  /** {@link #restart()}, to the replica at the end of {@code to}. */
  abstract SimulatedProxy restart(Channel to);

  Map<String, String> holds(String typeUrl) {
    return Map.copyOf(held.getOrDefault(typeUrl, Map.of()));
  }

  /** The next response, within 5 s. */
  Answer next() throws InterruptedException {
    Answer answer = received.poll(5, TimeUnit.SECONDS);
    assertThat(answer).as("a response").isNotNull();
    return answer;
  }

  /**
   * Nothing arrived that was not taken. Every call runs on a direct executor, so by the time a
   * request or a publish returns, anything the server sent for it has arrived.
   */
  void receivedNothingMore() {
    assertThat(received).as("responses not expected").isEmpty();
  }

  /** Lets {@code messages} more responses in (a proxy opened not reading). */
  void read(int messages) {
    call.request(messages);
  }

  void cancel() {
    call.cancel("the proxy goes away", null);
  }

  /** Wraps a response observer so the call can be cancelled or read by hand. */
  <Q, R> ClientResponseObserver<Q, R> observer(StreamObserver<R> delegate) {
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
        call = requestStream;
        if (!reading) {
          requestStream.disableAutoRequestWithInitial(0);
        }
      }

      @Override
      public void onNext(R value) {
        delegate.onNext(value);
      }

      @Override
      public void onError(Throwable t) {
        errors.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  /** State of the world: every request names all it asks for and the version it holds. */
  static final class Sotw extends SimulatedProxy {
    private final StreamObserver<DiscoveryRequest> requests;
    private final Map<String, String> ackedVersions = new HashMap<>();
    private final Map<String, String> nonces = new HashMap<>();

    private Sotw(Channel channel, Node node, boolean reading) {
      super(channel, node, reading);
      requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  this.<DiscoveryRequest, DiscoveryResponse>observer(
                      new StreamObserver<>() {
                        @Override
                        public void onNext(DiscoveryResponse r) {
                          Map<String, String> tags = new TreeMap<>();
                          r.getResourcesList()
                              .forEach(a -> tags.put(GroupConfig.name(a), GroupConfig.tag(a)));
                          received.add(
                              new Answer(
                                  r.getTypeUrl(),
                                  r.getVersionInfo(),
                                  r.getNonce(),
                                  tags,
                                  Map.of(),
                                  List.of()));
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                      }));
    }

    static Sotw open(Channel channel, Node node) {
      return new Sotw(channel, node, true);
    }

    static Sotw openNotReading(Channel channel, Node node) {
      return new Sotw(channel, node, false);
    }

    @Override
    void ask(String typeUrl, String... names) {
      asked.put(typeUrl, new LinkedHashSet<>(List.of(names)));
      send(typeUrl, null);
    }

    @Override
    void ack(Answer answer) {
      Map<String, String> holds = held.computeIfAbsent(answer.typeUrl(), t -> new TreeMap<>());
      if (TypeUrls.allowsWildcard(answer.typeUrl())) {
        holds.clear(); // listeners and clusters: a response is all there is
      }
      holds.putAll(answer.tags());
      ackedVersions.put(answer.typeUrl(), answer.version());
      nonces.put(answer.typeUrl(), answer.nonce());
      send(answer.typeUrl(), null);
    }

    @Override
    void nack(Answer answer, String detail) {
      nonces.put(answer.typeUrl(), answer.nonce());
      send(answer.typeUrl(), detail);
    }

    private void send(String typeUrl, String nackDetail) {
      DiscoveryRequest.Builder request =
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .addAllResourceNames(asked.getOrDefault(typeUrl, Set.of()))
              .setVersionInfo(ackedVersions.getOrDefault(typeUrl, ""))
              .setResponseNonce(nonces.getOrDefault(typeUrl, ""));
      if (nackDetail != null) {
        request.setErrorDetail(Status.newBuilder().setCode(3).setMessage(nackDetail));
      }
      requests.onNext(request.build());
    }

    @Override
    SimulatedProxy reconnect(Channel to) {
      Sotw next = new Sotw(to, node, true);
      held.forEach((type, holds) -> next.held.put(type, new TreeMap<>(holds)));
      next.ackedVersions.putAll(ackedVersions);
      asked.forEach((type, names) -> next.ask(type, names.toArray(String[]::new)));
      return next;
    }

    @Override
    SimulatedProxy restart(Channel to) {
      Sotw next = new Sotw(to, node, true);
      asked.forEach((type, names) -> next.ask(type, names.toArray(String[]::new)));
      return next;
    }
  }

  /** Delta: subscriptions change by difference; what it holds is named per resource. */
  static final class Delta extends SimulatedProxy {
    private final StreamObserver<DeltaDiscoveryRequest> requests;

    /** Per type, name → resource version held. */
    private final Map<String, Map<String, String>> versions = new HashMap<>();

    private Delta(Channel channel, Node node, boolean reading) {
      super(channel, node, reading);
      requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .deltaAggregatedResources(
                  this.<DeltaDiscoveryRequest, DeltaDiscoveryResponse>observer(
                      new StreamObserver<>() {
                        @Override
                        public void onNext(DeltaDiscoveryResponse r) {
                          Map<String, String> tags = new TreeMap<>();
                          Map<String, String> resourceVersions = new TreeMap<>();
                          for (Resource resource : r.getResourcesList()) {
                            tags.put(resource.getName(), GroupConfig.tag(resource.getResource()));
                            resourceVersions.put(resource.getName(), resource.getVersion());
                          }
                          received.add(
                              new Answer(
                                  r.getTypeUrl(),
                                  r.getSystemVersionInfo(),
                                  r.getNonce(),
                                  tags,
                                  resourceVersions,
                                  List.copyOf(r.getRemovedResourcesList())));
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                      }));
    }

    static Delta open(Channel channel, Node node) {
      return new Delta(channel, node, true);
    }

    static Delta openNotReading(Channel channel, Node node) {
      return new Delta(channel, node, false);
    }

    @Override
    void ask(String typeUrl, String... names) {
      Set<String> now = new LinkedHashSet<>(List.of(names));
      Set<String> before = asked.put(typeUrl, now);
      DeltaDiscoveryRequest.Builder request =
          DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl);
      if (before == null) {
        request.addAllResourceNamesSubscribe(now);
        request.putAllInitialResourceVersions(versions.getOrDefault(typeUrl, Map.of()));
      } else {
        now.stream().filter(n -> !before.contains(n)).forEach(request::addResourceNamesSubscribe);
        before.stream()
            .filter(n -> !now.contains(n))
            .forEach(
                n -> {
                  request.addResourceNamesUnsubscribe(n);
                  held.getOrDefault(typeUrl, new HashMap<>()).remove(n);
                  versions.getOrDefault(typeUrl, new HashMap<>()).remove(n);
                });
      }
      requests.onNext(request.build());
    }

    @Override
    void ack(Answer answer) {
      Map<String, String> holds = held.computeIfAbsent(answer.typeUrl(), t -> new TreeMap<>());
      Map<String, String> holdsVersions =
          versions.computeIfAbsent(answer.typeUrl(), t -> new TreeMap<>());
      holds.putAll(answer.tags());
      holdsVersions.putAll(answer.resourceVersions());
      answer.removed().forEach(holds::remove);
      answer.removed().forEach(holdsVersions::remove);
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(answer.typeUrl())
              .setResponseNonce(answer.nonce())
              .build());
    }

    @Override
    void nack(Answer answer, String detail) {
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(answer.typeUrl())
              .setResponseNonce(answer.nonce())
              .setErrorDetail(Status.newBuilder().setCode(3).setMessage(detail))
              .build());
    }

    @Override
    SimulatedProxy reconnect(Channel to) {
      Delta next = new Delta(to, node, true);
      held.forEach((type, holds) -> next.held.put(type, new TreeMap<>(holds)));
      versions.forEach((type, holds) -> next.versions.put(type, new TreeMap<>(holds)));
      asked.forEach((type, names) -> next.ask(type, names.toArray(String[]::new)));
      return next;
    }

    @Override
    SimulatedProxy restart(Channel to) {
      Delta next = new Delta(to, node, true);
      asked.forEach((type, names) -> next.ask(type, names.toArray(String[]::new)));
      return next;
    }
  }
}
