package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;

/** How the OWASP Core Rule Set embedded in the WAF module is run. */
@Doc("How the OWASP Core Rule Set embedded in the WAF module is run.")
public record WafCoreRuleSet(
    @Default("true") @Doc("Load the Core Rule Set. false: only the policy's own directives run.")
        Boolean enabled,
    @Range(min = 1, max = 4)
        @Default("1")
        @Doc("CRS paranoia level: 1 (few false positives) to 4 (many rules, many false positives).")
        Integer paranoiaLevel,
    @Range(min = 1, max = 10000)
        @Default("5")
        @Doc("Anomaly score at which a request is refused (CRS's default 5: one critical match).")
        Integer inboundAnomalyThreshold,
    @Range(min = 1, max = 10000)
        @Default("4")
        @Doc("Anomaly score at which a response is refused (CRS's default 4).")
        Integer outboundAnomalyThreshold) {
  public static final int DEFAULT_PARANOIA_LEVEL = 1;
  public static final int DEFAULT_INBOUND_THRESHOLD = 5;
  public static final int DEFAULT_OUTBOUND_THRESHOLD = 4;

  /** Every field at its default. */
  public static final WafCoreRuleSet DEFAULTS = new WafCoreRuleSet(null, null, null, null);

  public WafCoreRuleSet {
    enabled = enabled == null ? Boolean.TRUE : enabled;
    paranoiaLevel = paranoiaLevel == null ? DEFAULT_PARANOIA_LEVEL : paranoiaLevel;
    inboundAnomalyThreshold =
        inboundAnomalyThreshold == null ? DEFAULT_INBOUND_THRESHOLD : inboundAnomalyThreshold;
    outboundAnomalyThreshold =
        outboundAnomalyThreshold == null ? DEFAULT_OUTBOUND_THRESHOLD : outboundAnomalyThreshold;
  }
}
