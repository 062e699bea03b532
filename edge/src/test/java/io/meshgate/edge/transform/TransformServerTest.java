package io.meshgate.edge.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransformServerTest {
  @Test
  void theServiceAddressIsHostAndPortWithBracketsForIpv6() {
    assertThat(TransformServer.parseAddress(TransformServer.DEFAULT_ADDRESS).getPort())
        .isEqualTo(18083);
    assertThat(TransformServer.parseAddress("[::1]:9000").getAddress().isLoopbackAddress())
        .isTrue();
    assertThatThrownBy(() -> TransformServer.parseAddress("localhost"))
        .hasMessage(
            "MESHGATE_EXTPROC_ADDR: 'localhost' (expected: host:port, like 127.0.0.1:18083)");
    assertThatThrownBy(() -> TransformServer.parseAddress("127.0.0.1:x"))
        .hasMessage("MESHGATE_EXTPROC_ADDR: port 'x' (expected: 0..65535)");
  }
}
