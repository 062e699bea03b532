package io.meshgate.xds.resolve;

import io.meshgate.config.model.Waf;
import io.meshgate.config.model.WafCoreRuleSet;
import io.meshgate.config.model.WafMode;
import io.meshgate.config.model.WafRuleExclusions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * The SecLang directives a SecurityPolicy's {@code waf} gives OWASP Coraza's proxy-wasm module, in
 * the order they must run. Pure and deterministic: the same policy gives the same lines, byte for
 * byte, on every replica (ids and tags sorted, each once).
 *
 * <ol>
 *   <li>{@code Include @recommended-conf}: Coraza's recommended engine settings as the module
 *       embeds them (request and response body access, body limits, JSON and XML body parsers);
 *   <li>{@code SecRuleEngine On} (Block) or {@code DetectionOnly}, after it, so the policy's mode
 *       wins over the recommended file's DetectionOnly;
 *   <li>with the Core Rule Set: {@code Include @crs-setup-conf}, the paranoia level (CRS's setup
 *       rule 900000) and the anomaly thresholds (900110), then {@code Include @owasp_crs/*.conf};
 *   <li>the policy's own directives, in its order;
 *   <li>the exclusions last ({@code SecRuleRemoveById}, {@code SecRuleRemoveByTag}): a rule can
 *       only be removed once it is defined, and this way they remove the policy's own rules too.
 * </ol>
 */
final class WafDirectives {
  /** Coraza's recommended engine settings, as coraza-proxy-wasm embeds them. */
  static final String RECOMMENDED = "Include @recommended-conf";

  /** The Core Rule Set's setup file, as coraza-proxy-wasm embeds it. */
  static final String CRS_SETUP = "Include @crs-setup-conf";

  /** Every rule file of the embedded Core Rule Set. */
  static final String CRS_RULES = "Include @owasp_crs/*.conf";

  private WafDirectives() {}

  /** The lines for a policy's {@code waf} (one that does not turn the WAF off). */
  static List<String> of(Waf waf) {
    List<String> lines = new ArrayList<>();
    lines.add(RECOMMENDED);
    lines.add(
        waf.mode() == WafMode.DETECTION_ONLY ? "SecRuleEngine DetectionOnly" : "SecRuleEngine On");
    WafCoreRuleSet crs = coreRuleSet(waf);
    if (crs.enabled()) {
      lines.add(CRS_SETUP);
      lines.add(
          "SecAction \"id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level="
              + crs.paranoiaLevel()
              + "\"");
      lines.add(
          "SecAction \"id:900110,phase:1,pass,t:none,nolog,setvar:tx.inbound_anomaly_score_threshold="
              + crs.inboundAnomalyThreshold()
              + ",setvar:tx.outbound_anomaly_score_threshold="
              + crs.outboundAnomalyThreshold()
              + "\"");
      lines.add(CRS_RULES);
    }
    waf.directives().stream().map(String::strip).forEach(lines::add);
    WafRuleExclusions exclusions = waf.ruleExclusions();
    if (exclusions != null) {
      // One id per line: older Coraza releases read a single id (strconv.Atoi of the argument).
      new TreeSet<>(exclusions.ruleIds()).forEach(id -> lines.add("SecRuleRemoveById " + id));
      new TreeSet<>(exclusions.tags()).forEach(tag -> lines.add("SecRuleRemoveByTag " + tag));
    }
    return List.copyOf(lines);
  }

  /** The policy's Core Rule Set settings, defaults filled in. */
  static WafCoreRuleSet coreRuleSet(Waf waf) {
    return waf.coreRuleSet() == null ? WafCoreRuleSet.DEFAULTS : waf.coreRuleSet();
  }

  /**
   * {@code meshgate.waf/} and 12 hex digits of the lines' SHA-256: one filter per distinct set of
   * directives, whatever policy asks for it.
   */
  static String filterName(List<String> lines) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String line : lines) {
        sha.update(line.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
      }
      return "meshgate.waf/" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
