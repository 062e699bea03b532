package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Channel;
import io.meshgate.xds.serve.SimulatedProxy.Answer;
import io.meshgate.xds.snapshot.TypeUrls;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract over state-of-the-world streams, and what only they do. */
class SotwStreamTest extends AdsStreamContract {
  @Override
  SimulatedProxy open(Node node, Channel to) {
    return SimulatedProxy.Sotw.open(to, node);
  }

  @Override
  SimulatedProxy openNotReading(Node node) {
    return SimulatedProxy.Sotw.openNotReading(channel, node);
  }

  @Test
  void listenersAndClustersAreSentWholeOnEveryChange() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-1"));
    proxy.ask(TypeUrls.LISTENER);
    proxy.ack(proxy.next());

    // when
    change(TypeUrls.LISTENER, "l1", "b");

    // then
    assertThat(proxy.next().tags()).isEqualTo(Map.of("l1", "b", "l2", "a"));
  }

  @Test
  void aNewVersionSendsEveryRouteAskedForAndNothingOfOtherTypes() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-1"));
    proxy.ask(TypeUrls.LISTENER);
    proxy.ack(proxy.next());
    proxy.ask(TypeUrls.ROUTE, "r1", "r2");
    proxy.ack(proxy.next());

    // when
    change(TypeUrls.ROUTE, "r1", "b");

    // then
    Answer changed = proxy.next();
    assertThat(changed.typeUrl()).isEqualTo(TypeUrls.ROUTE);
    assertThat(changed.tags()).isEqualTo(Map.of("r1", "b", "r2", "a"));
    proxy.receivedNothingMore();
  }

  @Test
  void aClusterAddedWithTheNonceAlreadyAckedIsAnsweredWithBoth() throws Exception {
    // given: one cluster asked for and ACKed
    SimulatedProxy proxy = open(node("grpc-like"));
    proxy.ask(TypeUrls.CLUSTER, "c1");
    proxy.ack(proxy.next());

    // when: it asks for one more with the nonce it already ACKed (as grpc-java does)
    proxy.ask(TypeUrls.CLUSTER, "c1", "c2");

    // then: clusters are answered whole
    assertThat(proxy.next().tags()).containsOnlyKeys("c1", "c2");
  }

  @Test
  void afterNamingListenersNoNamesMeansNoneAndIsAnsweredEmpty() throws Exception {
    // given: a proxy that named one listener
    SimulatedProxy proxy = open(node("grpc-like"));
    proxy.ask(TypeUrls.LISTENER, "l1");
    proxy.ack(proxy.next());

    // when: it names none
    proxy.ask(TypeUrls.LISTENER);

    // then: not a wildcard any more; the state of the world is empty
    Answer none = proxy.next();
    assertThat(none.tags()).isEmpty();
    proxy.ack(none);
    assertThat(proxy.holds(TypeUrls.LISTENER)).isEmpty();
  }

  @Test
  void anExplicitStarKeepsTheWildcardNextToNames() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-1"));
    proxy.ask(TypeUrls.LISTENER, "l1");
    proxy.ack(proxy.next());

    // when
    proxy.ask(TypeUrls.LISTENER, "*", "l1");

    // then
    assertThat(proxy.next().tags()).containsOnlyKeys("l1", "l2");
  }

  @Test
  void aListenerRejectedWithOthersComesAgainWhenANewNameNeedsTheWholeSet() throws Exception {
    // given: a proxy naming l1 that rejects l1=b
    SimulatedProxy proxy = open(node("grpc-like"));
    proxy.ask(TypeUrls.LISTENER, "l1");
    proxy.ack(proxy.next());
    change(TypeUrls.LISTENER, "l1", "b");
    proxy.nack(proxy.next(), "l1 is bad");

    // when: it names l2 too; a listener response must hold everything named
    proxy.ask(TypeUrls.LISTENER, "l1", "l2");

    // then: both come, and accepting them ends the rejection
    Answer both = proxy.next();
    assertThat(both.tags()).isEqualTo(Map.of("l1", "b", "l2", "a"));
    proxy.ack(both);
    assertThat(status(TypeUrls.LISTENER).nackedVersion()).isNull();
  }
}
