package io.meshgate.edge.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RlsServerTest {
  @Test
  void theServiceAddressIsHostAndPortWithBracketsForIpv6() {
    assertThat(RlsServer.parseAddress(RlsServer.DEFAULT_ADDRESS).getPort()).isEqualTo(18081);
    assertThat(RlsServer.parseAddress("[::1]:9000").getAddress().isLoopbackAddress()).isTrue();
    assertThatThrownBy(() -> RlsServer.parseAddress("localhost"))
        .hasMessage("MESHGATE_RLS_ADDR: 'localhost' (expected: host:port, like 127.0.0.1:18081)");
    assertThatThrownBy(() -> RlsServer.parseAddress("127.0.0.1:70000"))
        .hasMessage("MESHGATE_RLS_ADDR: port 70000 (expected: 0..65535)");
  }
}
