package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ErrorDetailsTest {
  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void textThatFitsIsKeptAsItIs() {
    String detail = "x".repeat(1024);

    assertThat(ErrorDetails.cut(detail)).isSameAs(detail);
    assertThat(ErrorDetails.cut(null)).isEmpty();
  }

  @Test
  void longTextIsCutTo1KiBWithAMarkerGivingItsSize() {
    // when
    String cut = ErrorDetails.cut("x".repeat(5000));

    // then
    assertThat(bytes(cut)).isEqualTo(1024);
    assertThat(cut).startsWith("xxx").endsWith("xxx… (cut, 5000 bytes)");
  }

  @Test
  void theCutNeverSplitsACharacter() {
    // given: three-byte and four-byte characters across the boundary, at every offset
    for (int pad = 0; pad < 4; pad++) {
      String detail = "a".repeat(pad) + "€𝄞".repeat(400);

      // when
      String cut = ErrorDetails.cut(detail);

      // then: it survives a round trip through UTF-8 unchanged, within the limit
      assertThat(new String(cut.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
          .isEqualTo(cut);
      assertThat(bytes(cut)).isBetween(1024 - 3, 1024);
      assertThat(cut).endsWith("… (cut, " + bytes(detail) + " bytes)");
    }
  }

  @Test
  void cuttingTwiceIsCuttingOnce() {
    String once = ErrorDetails.cut("é".repeat(3000));

    assertThat(ErrorDetails.cut(once)).isEqualTo(once);
  }
}
