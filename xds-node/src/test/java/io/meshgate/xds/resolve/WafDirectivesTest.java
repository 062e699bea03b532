package io.meshgate.xds.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.model.Waf;
import io.meshgate.config.model.WafCoreRuleSet;
import io.meshgate.config.model.WafMode;
import io.meshgate.config.model.WafRuleExclusions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SecLang lines a SecurityPolicy's waf gives Coraza: their order (the mode after the
 * recommended file that sets DetectionOnly, the Core Rule Set's settings between its setup and its
 * rules, exclusions last), and that equal policies give equal bytes whatever order their lists are
 * written in.
 */
class WafDirectivesTest {
  private static Waf waf(
      WafMode mode, WafCoreRuleSet crs, WafRuleExclusions exclusions, List<String> directives) {
    return new Waf(mode, crs, exclusions, directives, null);
  }

  @Test
  void theDefaultsBlockWithTheCoreRuleSetAtParanoiaLevelOneAndCrsThresholds() {
    // when
    List<String> lines = WafDirectives.of(waf(null, null, null, List.of()));

    // then
    assertThat(lines)
        .containsExactly(
            "Include @recommended-conf",
            "SecRuleEngine On",
            "Include @crs-setup-conf",
            "SecAction \"id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=1\"",
            "SecAction \"id:900110,phase:1,pass,t:none,nolog,"
                + "setvar:tx.inbound_anomaly_score_threshold=5,"
                + "setvar:tx.outbound_anomaly_score_threshold=4\"",
            "Include @owasp_crs/*.conf");
  }

  @Test
  void detectionOnlyOverridesTheRecommendedFileAndTheSettingsComeBeforeTheRules() {
    // when
    List<String> lines =
        WafDirectives.of(
            waf(WafMode.DETECTION_ONLY, new WafCoreRuleSet(true, 3, 12, 9), null, List.of()));

    // then the engine's mode follows the file that sets it to DetectionOnly...
    assertThat(lines.indexOf("SecRuleEngine DetectionOnly"))
        .isEqualTo(lines.indexOf("Include @recommended-conf") + 1);
    // ...and CRS reads its variables from rules that run before its own
    int setup = lines.indexOf("Include @crs-setup-conf");
    int rules = lines.indexOf("Include @owasp_crs/*.conf");
    assertThat(lines.subList(setup + 1, rules))
        .containsExactly(
            "SecAction \"id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=3\"",
            "SecAction \"id:900110,phase:1,pass,t:none,nolog,"
                + "setvar:tx.inbound_anomaly_score_threshold=12,"
                + "setvar:tx.outbound_anomaly_score_threshold=9\"");
  }

  @Test
  void withoutTheCoreRuleSetOnlyThePolicysOwnRulesRun() {
    // when
    List<String> lines =
        WafDirectives.of(
            waf(
                WafMode.BLOCK,
                new WafCoreRuleSet(false, null, null, null),
                null,
                List.of("SecRule ARGS \"@contains evil\" \"id:10001,phase:2,deny\"")));

    // then
    assertThat(lines)
        .containsExactly(
            "Include @recommended-conf",
            "SecRuleEngine On",
            "SecRule ARGS \"@contains evil\" \"id:10001,phase:2,deny\"");
  }

  @Test
  void exclusionsComeLastSortedOnceEachAndOneIdPerLine() {
    // when
    List<String> lines =
        WafDirectives.of(
            waf(
                WafMode.BLOCK,
                null,
                new WafRuleExclusions(
                    List.of(942100, 920350, 942100), List.of("paranoia-level/2", "attack-sqli")),
                List.of("SecRule REQUEST_URI \"@beginsWith /x\" \"id:10002,phase:1,deny\"")));

    // then they follow the policy's own rules, so they can remove those too
    assertThat(lines.subList(lines.size() - 4, lines.size()))
        .containsExactly(
            "SecRuleRemoveById 920350",
            "SecRuleRemoveById 942100",
            "SecRuleRemoveByTag attack-sqli",
            "SecRuleRemoveByTag paranoia-level/2");
    assertThat(lines.get(lines.size() - 5)).startsWith("SecRule REQUEST_URI");
  }

  @Test
  void equalPoliciesWrittenInAnotherOrderGiveTheSameLinesAndTheSameFilter() {
    // given
    Waf one =
        waf(
            WafMode.BLOCK,
            new WafCoreRuleSet(true, 2, null, null),
            new WafRuleExclusions(List.of(1, 3, 2), List.of("b", "a")),
            List.of("  SecRuleRemoveById 5  "));
    Waf other =
        waf(
            null,
            new WafCoreRuleSet(null, 2, 5, 4),
            new WafRuleExclusions(List.of(3, 2, 1, 1), List.of("a", "b")),
            List.of("SecRuleRemoveById 5"));

    // then
    assertThat(WafDirectives.of(one)).isEqualTo(WafDirectives.of(other));
    assertThat(WafDirectives.filterName(WafDirectives.of(one)))
        .isEqualTo(WafDirectives.filterName(WafDirectives.of(other)))
        .matches("meshgate\\.waf/[0-9a-f]{12}");
    // and another mode is another filter
    assertThat(
            WafDirectives.filterName(
                WafDirectives.of(
                    waf(WafMode.DETECTION_ONLY, null, null, List.of("SecRuleRemoveById 5")))))
        .isNotEqualTo(WafDirectives.filterName(WafDirectives.of(one)));
  }

  @Test
  void theModuleSettingsTakeAnHttpUrlAndAFullSha256OrNothing() {
    // then
    assertThat(WafModule.of(null, " ")).isEmpty();
    assertThat(WafModule.of("https://f.example.com/coraza.wasm", "AB".repeat(32)))
        .hasValueSatisfying(m -> assertThat(m.sha256()).isEqualTo("ab".repeat(32)));
    assertThatThrownBy(() -> WafModule.of("https://f.example.com/coraza.wasm", null))
        .hasMessageContaining("go together");
    assertThatThrownBy(() -> WafModule.of("file:///etc/coraza.wasm", "ab".repeat(32)))
        .hasMessageContaining("'file:///etc/coraza.wasm'")
        .hasMessageContaining("expected: an absolute http or https URL");
    assertThatThrownBy(() -> WafModule.of("https://f.example.com/coraza.wasm", "abc"))
        .hasMessageContaining("expected: 64 hex digits");
  }
}
