package io.meshgate.edge.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitConfigTest {
  @Test
  void aMissingUnitAZeroLimitAndDuplicateKeysAreReportedWithTheirPaths() {
    // given
    List<DomainRules> domains =
        List.of(
            DomainRules.of(
                "gateway",
                DescriptorRule.key("remote_address").limit(Limit.of(10, null)),
                DescriptorRule.key("path").limit(Limit.of(0, Unit.MINUTE)),
                DescriptorRule.key("remote_address").limit(Limit.of(5, Unit.SECOND)),
                DescriptorRule.key("client").value("bot").limit(Limit.of(1, Unit.SECOND)),
                DescriptorRule.key("client").value("bot").limit(Limit.of(2, Unit.SECOND))),
            DomainRules.of("gateway"));

    // when
    List<ConfigProblem> problems = RateLimitConfig.check(domains);

    // then
    assertThat(problems)
        .extracting(ConfigProblem::toString)
        .containsExactly(
            "/domains/0/descriptors/0/limit/unit: missing (expected: SECOND, MINUTE, HOUR or DAY)",
            "/domains/0/descriptors/1/limit/requestsPerUnit: 0 (expected: 1..4294967295; to block"
                + " everything, use an authorization policy)",
            "/domains/0/descriptors/2: duplicate descriptor: key 'remote_address' without a value"
                + " (also at /domains/0/descriptors/0)",
            "/domains/0/descriptors/4: duplicate descriptor: key 'client' with value 'bot' (also"
                + " at /domains/0/descriptors/3)",
            "/domains/1/domain: duplicate domain 'gateway' (also at /domains/0)");
    assertThatThrownBy(() -> RateLimitConfig.of(domains))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/domains/0/descriptors/0/limit/unit: missing");
  }

  @Test
  void theSameKeyWithAndWithoutAValueIsNoDuplicate() {
    assertThat(
            RateLimitConfig.check(
                List.of(
                    DomainRules.of(
                        "gateway",
                        DescriptorRule.key("client").limit(Limit.of(100, Unit.MINUTE)),
                        DescriptorRule.key("client")
                            .value("bot")
                            .limit(Limit.of(1, Unit.MINUTE))))))
        .isEmpty();
  }

  @Test
  void rulesNestedDeeperThanARequestMayReachAreRefused() {
    DescriptorRule rule = DescriptorRule.key("k9").limit(Limit.of(1, Unit.SECOND));
    for (int level = 8; level >= 1; level--) {
      rule = DescriptorRule.key("k" + level).nest(rule);
    }

    assertThat(RateLimitConfig.check(List.of(DomainRules.of("gateway", rule))))
        .extracting(ConfigProblem::message)
        .containsExactly(
            "nested 9 levels deep (expected: at most 8, the most entries a request"
                + " may carry)");
  }

  @Test
  void keyAndValueWinsOverTheKeyAlone() {
    // given
    Limit everyone = Limit.of(100, Unit.MINUTE);
    Limit bots = Limit.of(1, Unit.MINUTE);
    RateLimitConfig config =
        RateLimitConfig.of(
            DomainRules.of(
                "gateway",
                DescriptorRule.key("client").limit(everyone),
                DescriptorRule.key("client").value("bot").limit(bots)));

    // then
    assertThat(config.find("gateway", List.of(new Entry("client", "bot")))).contains(bots);
    assertThat(config.find("gateway", List.of(new Entry("client", "alice")))).contains(everyone);
    assertThat(config.find("gateway", List.of(new Entry("path", "/")))).isEmpty();
    assertThat(config.find("other-domain", List.of(new Entry("client", "bot")))).isEmpty();
  }

  @Test
  void aNestedRuleLimitsTheCombinationOnly() {
    // given: per client and path; no limit on the client alone
    Limit perClientAndPath = Limit.of(2, Unit.SECOND);
    RateLimitConfig config =
        RateLimitConfig.of(
            DomainRules.of(
                "gateway",
                DescriptorRule.key("remote_address")
                    .nest(DescriptorRule.key("path").limit(perClientAndPath))));

    // then
    assertThat(
            config.find(
                "gateway",
                List.of(new Entry("remote_address", "10.0.0.1"), new Entry("path", "/a"))))
        .contains(perClientAndPath);
    assertThat(config.find("gateway", List.of(new Entry("remote_address", "10.0.0.1")))).isEmpty();
    assertThat(
            config.find(
                "gateway",
                List.of(new Entry("remote_address", "10.0.0.1"), new Entry("method", "GET"))))
        .isEmpty();
    assertThat(
            config.find(
                "gateway",
                List.of(
                    new Entry("remote_address", "10.0.0.1"),
                    new Entry("path", "/a"),
                    new Entry("method", "GET"))))
        .isEmpty();
  }
}
