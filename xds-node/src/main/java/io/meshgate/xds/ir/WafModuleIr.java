package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * The coraza-proxy-wasm module as Envoy fetches it (operator config: {@code
 * MESHGATE_WAF_MODULE_URL}, {@code MESHGATE_WAF_MODULE_SHA256}).
 *
 * @param url where Envoy fetches the module
 * @param sha256 the module's SHA-256, lower-case hex: Envoy refuses a module that differs
 * @param cluster the DNS cluster the fetch goes through, {@code waf-module/<host>:<port>}
 */
public record WafModuleIr(String url, String sha256, String cluster) {
  public WafModuleIr {
    requireNonNull(url, "url");
    requireNonNull(sha256, "sha256");
    requireNonNull(cluster, "cluster");
  }
}
