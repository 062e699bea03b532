package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.status.AckReporter;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a replica's member key says of where its admin HTTP and CSDS are reached. */
class AdminAdvertiseTest {
  private static final InetSocketAddress ADMIN = new InetSocketAddress("127.0.0.1", 19000);
  private static final InetSocketAddress CSDS = new InetSocketAddress("0.0.0.0", 19001);

  @Test
  void theAdvertisedHostCarriesBothPorts() {
    NodeSettings settings =
        NodeSettings.builder("k:9092", "http://e:2379", "r1")
            .adminAdvertise("10.0.0.5:19000")
            .build();

    AckReporter.Advertised advertised = XdsNode.advertised(settings, ADMIN, Optional.of(CSDS));

    assertThat(advertised.admin()).contains("10.0.0.5:19000");
    assertThat(advertised.adminGrpc()).contains("10.0.0.5:19001");
  }

  @Test
  void csdsDefaultsToTheAdminHostAndTheNextPortAndAnEphemeralPortStaysEphemeral() {
    assertThat(NodeSettings.builder("k:9092", "http://e:2379", "r1").build().adminGrpcAddress())
        .contains(new InetSocketAddress("127.0.0.1", 19001));
    assertThat(
            NodeSettings.builder("k:9092", "http://e:2379", "r1")
                .adminAddress(new InetSocketAddress("0.0.0.0", 9000))
                .build()
                .adminGrpcAddress())
        .contains(new InetSocketAddress("0.0.0.0", 9001));
    assertThat(
            NodeSettings.builder("k:9092", "http://e:2379", "r1")
                .anyLoopbackPorts()
                .build()
                .adminGrpcAddress())
        .contains(new InetSocketAddress("127.0.0.1", 0));
    assertThat(
            NodeSettings.builder("k:9092", "http://e:2379", "r1")
                .noAdminGrpc()
                .build()
                .adminGrpcAddress())
        .isEmpty();
  }

  @Test
  void withoutAnAdvertisedAddressTheBoundOnesAreWrittenAndCsdsOffIsLeftOut() {
    NodeSettings settings = NodeSettings.builder("k:9092", "http://e:2379", "r1").build();

    assertThat(XdsNode.advertised(settings, ADMIN, Optional.of(CSDS)).adminGrpc())
        .contains("0.0.0.0:19001");
    AckReporter.Advertised off = XdsNode.advertised(settings, ADMIN, Optional.empty());
    assertThat(off.admin()).contains("127.0.0.1:19000");
    assertThat(off.adminGrpc()).isEmpty();
  }
}
