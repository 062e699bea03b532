package io.meshgate.xds.ir;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A problem carries its reason; its text shows it as problems.txt and conditions always have. */
class ProblemTest {
  private static final SourceRef ROUTE = new SourceRef("HTTPRoute", "default", "shop", 2);

  @Test
  void theTextEndsWithASpecificReasonInParentheses() {
    Problem problem =
        Problem.of(
            ROUTE,
            "/spec/rules/0/backendRefs/0",
            ProblemReason.BACKEND_NOT_FOUND,
            "backend 'cart' not found in namespace default");

    assertThat(problem.text())
        .isEqualTo("backend 'cart' not found in namespace default (BackendNotFound)");
    assertThat(problem)
        .hasToString(
            "HTTPRoute/default/shop /spec/rules/0/backendRefs/0: backend 'cart' not found in"
                + " namespace default (BackendNotFound)");
  }

  @Test
  void theTextOfAnInvalidProblemIsItsMessage() {
    Problem problem =
        Problem.of(
            ROUTE,
            "/spec/rules/1",
            ProblemReason.INVALID,
            "the rule has no backendRefs; it answers 500");

    assertThat(problem.text()).isEqualTo("the rule has no backendRefs; it answers 500");
  }

  @Test
  void aTranslationFailureNamesTheExceptionAndItsReason() {
    Problem problem =
        Problem.translationFailed(ROUTE, new IllegalStateException("simulated translator bug"));

    assertThat(problem.reason()).isEqualTo(ProblemReason.TRANSLATION_FAILED);
    assertThat(problem.path()).isEmpty();
    assertThat(problem.text())
        .isEqualTo(
            "translation failed (IllegalStateException: simulated translator bug); its proxies"
                + " keep the last good config (TranslationFailed)");
  }
}
