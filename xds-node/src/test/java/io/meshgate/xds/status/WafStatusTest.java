package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.Resolver;
import io.meshgate.xds.translate.Cases;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A SecurityPolicy's WafRuleSet says which rule set and mode are in force, read from what Envoy is
 * given: the golden cases' inputs through the production entry, and a replica without a module.
 */
class WafStatusTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/envoy");

  private static Map<ResourceKey, Conditions.Desired> statusOf(Inputs inputs, ResolvedIr ir) {
    return WafStatus.desired(inputs.config().resources().values(), ir);
  }

  private static ResourceKey policy(String name) {
    return new ResourceKey(Kind.SECURITY_POLICY, "default", name);
  }

  @Test
  void aBlockingPolicySaysTheRuleSetTheModuleTheLevelAndThresholdsAndAnOffPolicySaysOff() {
    // given
    Cases.Translated translated = Cases.translateCase(GOLDEN.resolve("gateway-waf-crs-block"));

    // when
    Map<ResourceKey, Conditions.Desired> status = statusOf(translated.inputs(), translated.ir());

    // then
    Conditions.Desired edge = status.get(policy("edge-waf"));
    assertThat(edge.type()).isEqualTo("WafRuleSet");
    assertThat(edge.status()).isEqualTo(ConditionStatus.TRUE);
    assertThat(edge.reason()).isEqualTo("Block");
    assertThat(edge.message())
        .isEqualTo(
            "OWASP Core Rule Set as embedded in coraza-proxy-wasm sha256:"
                + Cases.WAF_MODULE.sha256().substring(0, 12)
                + ", paranoia level 2, anomaly thresholds 5 inbound and 4 outbound; mode Block,"
                + " on 1 route");
    assertThat(edge.generation()).isEqualTo(1);
    Conditions.Desired health = status.get(policy("health-unfiltered"));
    assertThat(health.status()).isEqualTo(ConditionStatus.FALSE);
    assertThat(health.reason()).isEqualTo("Disabled");
  }

  @Test
  void detectionOnlyIsSaidAsSuchWithWhatItExcludesAndEqualPoliciesEachSpeakForThemselves() {
    // given
    Cases.Translated translated =
        Cases.translateCase(GOLDEN.resolve("gateway-waf-detection-only-with-exclusions"));

    // when
    Map<ResourceKey, Conditions.Desired> status = statusOf(translated.inputs(), translated.ir());

    // then
    Conditions.Desired uploads = status.get(policy("uploads-waf"));
    assertThat(uploads.status()).isEqualTo(ConditionStatus.TRUE);
    assertThat(uploads.reason()).isEqualTo("DetectionOnly");
    assertThat(uploads.message())
        .contains("paranoia level 1, anomaly thresholds 10 inbound and 4 outbound")
        .contains("2 rule ids and 1 tags excluded, 1 extra directives")
        .endsWith("; mode DetectionOnly, on 1 route");
    // the Gateway's and catalog's policies share a filter, and each counts its own routes
    assertThat(status.get(policy("edge-waf")).message()).endsWith("mode Block, on 1 route");
    assertThat(status.get(policy("catalog-waf")).message()).endsWith("mode Block, on 1 route");
  }

  @Test
  void withoutAModuleNothingIsInForceAndTheStatusDoesNotPretendOtherwise() {
    // given a replica without MESHGATE_WAF_MODULE_URL and _SHA256
    Inputs inputs = Cases.caseInputs(GOLDEN.resolve("gateway-waf-crs-block"));

    // when
    ResolvedIr ir =
        Resolver.resolve(
            inputs.config(),
            inputs.endpoints(),
            inputs.keys(),
            MeshSettings.DEFAULTS,
            inputs.identities(),
            inputs.issuers());

    // then
    Conditions.Desired edge = statusOf(inputs, ir).get(policy("edge-waf"));
    assertThat(edge.status()).isEqualTo(ConditionStatus.FALSE);
    assertThat(edge.reason()).isEqualTo("NotInForce");
    assertThat(Conditions.resolvedRefs(inputs.config().resources().values(), ir.problems()))
        .extractingByKey(policy("edge-waf"))
        .satisfies(d -> assertThat(d.reason()).isEqualTo("WafModuleUnavailable"));
  }
}
