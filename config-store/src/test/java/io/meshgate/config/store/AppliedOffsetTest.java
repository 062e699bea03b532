package io.meshgate.config.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AppliedOffsetTest {
  private static final String TRACEPARENT =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void aStoredOffsetReadsBackWithItsTimestampAndTraceContext() {
    AppliedOffset offset = new AppliedOffset(41, 1_733_000_000_123L, Optional.of(TRACEPARENT));

    assertThat(AppliedOffset.parse(offset.toBytes())).isEqualTo(offset);
    assertThat(new String(offset.toBytes(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"offset\":41,\"recordTimestamp\":1733000000123,\"traceparent\":\""
                + TRACEPARENT
                + "\"}");
  }

  @Test
  void theBareDecimalOfEarlierReleasesReadsAsAnOffsetWithoutTimestamp() {
    assertThat(AppliedOffset.parse("17".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(new AppliedOffset(17, AppliedOffset.NO_TIMESTAMP, Optional.empty()));
  }

  @Test
  void onlyAValidW3cTraceContextIsKept() {
    assertThat(AppliedOffset.traceparent(TRACEPARENT)).contains(TRACEPARENT);
    assertThat(AppliedOffset.traceparent(TRACEPARENT.toUpperCase())).isEmpty();
    assertThat(AppliedOffset.traceparent("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01"))
        .isEmpty();
    assertThat(
            AppliedOffset.traceparent(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0".repeat(16) + "-01"))
        .isEmpty();
    assertThat(AppliedOffset.traceparent(TRACEPARENT + "x".repeat(5000))).isEmpty();
    assertThat(AppliedOffset.traceparent(null)).isEmpty();
  }

  @Test
  void theLargestValueIsWhatTheLimitCheckCountsAndNoStoredValueIsLonger() {
    AppliedOffset real =
        new AppliedOffset(Long.MAX_VALUE, Long.MAX_VALUE, Optional.of(TRACEPARENT));

    assertThat(AppliedOffset.LARGEST.toBytes().length)
        .isGreaterThanOrEqualTo(real.toBytes().length);
  }

  @Test
  void somethingElseIsRefusedWithTheValueNamed() {
    assertThatThrownBy(
            () -> AppliedOffset.parse("{\"partition\":3}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("partition");
    assertThatThrownBy(() -> AppliedOffset.parse("abc".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("abc");
  }
}
