package io.meshgate.edge.signature;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CheckRequestsTest {
  @Test
  void headerMapKeepsEachValueOfARepeatedFieldAndDropsPseudoHeaders() {
    SignedRequest request =
        Signing.request("GET", "/a?b=1", "shop.example.com", "X-Tag", "one", "X-Tag", "two");

    SignedRequest seen = CheckRequests.signedRequest(Authz.envoyCheck(request, "shop/signed"));

    assertThat(seen.header("x-tag")).containsExactly("one", "two");
    assertThat(seen.headers()).doesNotContainKeys(":path", ":authority", ":method");
    assertThat(seen.target()).isEqualTo("/a?b=1");
    assertThat(seen.authority()).isEqualTo("shop.example.com");
    assertThat(seen.body()).isEmpty();
  }

  @Test
  void theHeadersMapAndTheStringBodyAreReadWhenEnvoySendsThem() {
    CheckRequest check =
        CheckRequest.newBuilder()
            .setAttributes(
                AttributeContext.newBuilder()
                    .setRequest(
                        AttributeContext.Request.newBuilder()
                            .setHttp(
                                AttributeContext.HttpRequest.newBuilder()
                                    .setMethod("POST")
                                    .setPath("/p")
                                    .setHost("h.example")
                                    .setScheme("http")
                                    .putHeaders("content-type", "text/plain")
                                    .putHeaders(":method", "POST")
                                    .setBody("hi"))))
            .build();

    SignedRequest seen = CheckRequests.signedRequest(check);

    assertThat(seen.header("content-type")).isEqualTo(List.of("text/plain"));
    assertThat(seen.headers()).doesNotContainKey(":method");
    assertThat(seen.body().map(String::new)).isEqualTo(Optional.of("hi"));
    assertThat(CheckRequests.policyName(check)).isEmpty();
    assertThat(ByteString.copyFromUtf8("hi").toStringUtf8()).isEqualTo("hi");
  }
}
