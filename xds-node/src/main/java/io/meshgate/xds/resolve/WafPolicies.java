package io.meshgate.xds.resolve;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.config.model.Waf;
import io.meshgate.config.model.WafCoreRuleSet;
import io.meshgate.config.model.WafMode;
import io.meshgate.xds.ir.ClusterPolicyIr.UpstreamTlsIr;
import io.meshgate.xds.ir.DnsClusterIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.WafIr;
import io.meshgate.xds.ir.WafModuleIr;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code waf} of every SecurityPolicy, checked once: the WAF its routes are inspected by, an
 * explicit "no WAF" that overrides a wider policy, or — when this replica has no WAF module to give
 * Envoy — broken. A broken policy fails closed: the routes it governs answer 500 (RouteRules). A
 * route whose owner asked for a WAF must never be served without one because an operator setting is
 * missing; docs/adr/0005-waf-coraza-proxy-wasm.md argues it.
 */
final class WafPolicies {
  /** What a SecurityPolicy's {@code waf} asks of the routes it governs. */
  sealed interface Inspection {
    /**
     * Each request is inspected by {@code waf}.
     *
     * @param cluster the DNS cluster Envoy fetches the module through; joins each group that uses
     *     it
     */
    record Inspected(WafIr waf, DnsClusterIr cluster, SourceRef policy) implements Inspection {}

    /** {@code disabled: true}: no WAF, whatever a wider policy asks. */
    record Off(SourceRef policy) implements Inspection {}

    /** Could not be translated (Problems say why): its routes answer 500. */
    record Broken(SourceRef policy) implements Inspection {}
  }

  private WafPolicies() {}

  /** Every SecurityPolicy that sets {@code waf}, by key; Problems for those that are broken. */
  static Map<ResourceKey, Inspection> of(Context context) {
    Map<ResourceKey, Inspection> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      Waf waf = policy.spec(SecurityPolicySpec.class).waf();
      if (waf != null) {
        byPolicy.put(policy.key(), inspection(context, policy, waf));
      }
    }
    return byPolicy;
  }

  private static Inspection inspection(Context context, Resource policy, Waf waf) {
    SourceRef source = Context.source(policy);
    if (waf.turnsOff()) {
      return new Inspection.Off(source);
    }
    WafModule module = context.mesh.waf();
    if (module == null) {
      context.problem(
          policy,
          "/spec/waf",
          ProblemReason.WAF_MODULE_UNAVAILABLE,
          "this replica has no WAF module for Envoy (set MESHGATE_WAF_MODULE_URL and"
              + " MESHGATE_WAF_MODULE_SHA256 on every meshgate node); the routes this policy"
              + " governs answer 500 until it is set");
      return new Inspection.Broken(source);
    }
    JwtPolicies.Endpoint endpoint =
        JwtPolicies.endpoint(module.url())
            .orElseThrow(() -> new IllegalStateException("WafModule checks its URL"));
    DnsClusterIr cluster =
        new DnsClusterIr(
            Names.wafModuleCluster(endpoint.host(), endpoint.port()),
            endpoint.host(),
            endpoint.port(),
            // The module runs inside Envoy: its bytes are checked against the SHA-256 anyway, and
            // TLS keeps who serves them honest about where they come from.
            endpoint.tls()
                ? new UpstreamTlsIr(endpoint.host(), null, List.of(endpoint.host()), List.of())
                : null,
            List.of(source));
    List<String> directives = WafDirectives.of(waf);
    WafCoreRuleSet crs = WafDirectives.coreRuleSet(waf);
    return new Inspection.Inspected(
        new WafIr(
            WafDirectives.filterName(directives),
            waf.mode() == WafMode.DETECTION_ONLY ? WafIr.Mode.DETECTION_ONLY : WafIr.Mode.BLOCK,
            crs.enabled()
                ? new WafIr.CoreRuleSet(
                    crs.paranoiaLevel(),
                    crs.inboundAnomalyThreshold(),
                    crs.outboundAnomalyThreshold())
                : null,
            directives,
            new WafModuleIr(module.url(), module.sha256(), cluster.name())),
        cluster,
        source);
  }
}
