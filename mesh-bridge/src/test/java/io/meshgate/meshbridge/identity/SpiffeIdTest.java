package io.meshgate.meshbridge.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpiffeIdTest {
  @Test
  void aWorkloadIdHasIstiosFormAndReadsBack() {
    // when
    SpiffeId id = SpiffeId.workload("meshgate.local", "shop", "orders");

    // then
    assertThat(id).hasToString("spiffe://meshgate.local/ns/shop/sa/orders");
    assertThat(SpiffeId.parse(id.toString())).contains(id);
    assertThat(id.asWorkload()).contains(new SpiffeId.Workload("shop", "orders"));
    assertThat(id.name()).isEqualTo("orders");
  }

  @Test
  void aConsulServiceIdHasConsulsFormAndIsNoWorkload() {
    // when
    SpiffeId id =
        SpiffeId.consulService(
            "11111111-2222-3333-4444-555555555555.consul", "default", "dc1", "web");

    // then
    assertThat(id)
        .hasToString(
            "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web");
    assertThat(SpiffeId.parse(id.toString())).contains(id);
    assertThat(id.asWorkload()).isEmpty();
    assertThat(id.name()).isEqualTo("web");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "spiffe://meshgate.local",
        "spiffe://meshgate.local/",
        "spiffe://Meshgate.local/ns/shop/sa/orders",
        "spiffe://meshgate.local/ns//sa/orders",
        "spiffe://meshgate.local/ns/../sa/orders",
        "spiffe://meshgate.local/ns/shop/sa/or%20ders",
        "spiffe://meshgate.local/ns/shop/sa/orders/",
        "https://meshgate.local/ns/shop/sa/orders",
        "spiffe://user@meshgate.local/ns/shop/sa/orders",
        "spiffe://meshgate.local:8443/ns/shop/sa/orders"
      })
  void whatTheStandardForbidsIsNoId(String uri) {
    assertThat(SpiffeId.parse(uri)).isEmpty();
  }

  @Test
  void anIdLongerThanTheStandardAllowsIsRefused() {
    // given: an ID of exactly the standard's length
    String longest = "spiffe://td/" + "a".repeat(SpiffeId.MAX_LENGTH - "spiffe://td/".length());

    // then
    assertThat(SpiffeId.parse(longest)).isPresent();
    assertThat(SpiffeId.parse(longest + "a")).isEmpty();
  }

  @Test
  void namedFormsTakeResourceNamesOnly() {
    assertThatThrownBy(() -> SpiffeId.workload("meshgate.local", "Shop", "orders"))
        .hasMessageContaining("namespace: 'Shop'");
    assertThatThrownBy(() -> SpiffeId.consulService("x.consul", "default", "dc 1", "web"))
        .hasMessageContaining("datacenter: 'dc 1'");
  }
}
