package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Channel;
import io.meshgate.xds.serve.SimulatedProxy.Answer;
import io.meshgate.xds.snapshot.TypeUrls;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract over delta streams, and what only they do. */
class DeltaStreamTest extends AdsStreamContract {
  @Override
  SimulatedProxy open(Node node, Channel to) {
    return SimulatedProxy.Delta.open(to, node);
  }

  @Override
  SimulatedProxy openNotReading(Node node) {
    return SimulatedProxy.Delta.openNotReading(channel, node);
  }

  @Test
  void onlyTheChangedResourceIsSent() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-delta"));
    proxy.ask(TypeUrls.CLUSTER);
    proxy.ack(proxy.next());
    proxy.ask(TypeUrls.ROUTE, "r1", "r2");
    proxy.ack(proxy.next());

    // when
    change(TypeUrls.ROUTE, "r1", "b");

    // then: r1 alone; the clusters, unchanged, are not sent
    Answer changed = proxy.next();
    assertThat(changed.typeUrl()).isEqualTo(TypeUrls.ROUTE);
    assertThat(changed.tags()).isEqualTo(Map.of("r1", "b"));
    proxy.receivedNothingMore();
  }

  @Test
  void aProxyThatAlreadyHoldsEveryVersionGetsNoPush() throws Exception {
    // given: what another replica with the same config served
    SimulatedProxy first = open(node("moved"));
    first.ask(TypeUrls.CLUSTER);
    first.ack(first.next());
    first.cancel();

    // when: it fails over
    SimulatedProxy moved = first.reconnect();

    // then
    moved.receivedNothingMore();
  }

  @Test
  void aRemovedResourceIsNamed() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-delta"));
    proxy.ask(TypeUrls.CLUSTER);
    proxy.ack(proxy.next());

    // when
    config.remove(GROUP, TypeUrls.CLUSTER, "c2").publishTo(store);

    // then
    Answer removal = proxy.next();
    assertThat(removal.removed()).containsExactly("c2");
    proxy.ack(removal);
    assertThat(proxy.holds(TypeUrls.CLUSTER)).isEqualTo(Map.of("c1", "a"));
  }

  @Test
  void anUnsubscribedNameAskedForAgainAfterANackIsAnsweredUnlessItWasRejected() throws Exception {
    // given: a proxy holding r1 and r2 that rejects r1=b (r2 was not in that response)
    SimulatedProxy proxy = open(node("envoy-delta"));
    proxy.ask(TypeUrls.ROUTE, "r1", "r2");
    proxy.ack(proxy.next());
    change(TypeUrls.ROUTE, "r1", "b");
    proxy.nack(proxy.next(), "r1 is bad");

    // when: it drops both and asks for both again
    proxy.ask(TypeUrls.ROUTE);
    proxy.ask(TypeUrls.ROUTE, "r1", "r2");

    // then: r2 comes again; r1=b, which it rejected, does not
    assertThat(proxy.next().tags()).isEqualTo(Map.of("r2", "a"));
    proxy.receivedNothingMore();
  }
}
