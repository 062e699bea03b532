package io.meshgate.xds.envoy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.BackoffStrategy;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.core.v3.RemoteDataSource;
import io.envoyproxy.envoy.config.core.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.meshgate.xds.ir.WafIr;

/**
 * The WAF ({@code envoy.filters.http.wasm} running OWASP Coraza's proxy-wasm module): one filter
 * per distinct set of directives, named {@code meshgate.waf/<hash>}, in the chain of the connection
 * managers whose routes use it, {@code disabled: true}; the routes whose policy asks for it enable
 * it with an empty {@code config.route.v3.FilterConfig} (as {@link OidcLogin} does: the wasm filter
 * takes no per-route config of its own). Its directives live in the filter's config, so a policy
 * change is a listener change, and a route of another policy (or none) never meets the filter.
 *
 * <p>Coraza reads its config as JSON: {@code directives_map} (a name to its lines) and {@code
 * default_directives} (the name used for every request). meshgate writes one entry, named after the
 * filter, and never uses {@code per_authority_directives}: routes, not hosts, choose their WAF. The
 * JSON is written with fixed key order and no whitespace, so every replica writes the same bytes.
 */
final class WebFirewall {
  /** Envoy's wasm HTTP filter. */
  static final String WASM = "envoy.filters.http.wasm";

  /**
   * Every WAF filter shares one VM per worker thread (same id, same code): the module and Go's heap
   * are loaded once, not once per policy; each filter's directives are compiled in its own plugin.
   */
  static final String VM_ID = "meshgate.waf";

  /** V8, the runtime Envoy's official builds carry. */
  static final String RUNTIME = "envoy.wasm.runtime.v8";

  /** How long one fetch of the module may take: it is tens of megabytes. */
  private static final long FETCH_TIMEOUT_MILLIS = 60_000;

  /** Fetches of the module Envoy tries again when one fails. */
  private static final int FETCH_RETRIES = 5;

  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFirewall() {}

  static Wasm filter(WafIr waf) {
    return Wasm.newBuilder()
        .setConfig(
            PluginConfig.newBuilder()
                .setName(waf.name())
                .setRootId("")
                .setVmConfig(
                    VmConfig.newBuilder()
                        .setVmId(VM_ID)
                        .setRuntime(RUNTIME)
                        .setCode(
                            AsyncDataSource.newBuilder()
                                .setRemote(
                                    RemoteDataSource.newBuilder()
                                        .setHttpUri(
                                            HttpUri.newBuilder()
                                                .setUri(waf.module().url())
                                                .setCluster(waf.module().cluster())
                                                .setTimeout(
                                                    Durations.fromMillis(FETCH_TIMEOUT_MILLIS)))
                                        .setSha256(waf.module().sha256())
                                        .setRetryPolicy(
                                            RetryPolicy.newBuilder()
                                                .setNumRetries(UInt32Value.of(FETCH_RETRIES))
                                                .setRetryBackOff(
                                                    BackoffStrategy.newBuilder()
                                                        .setBaseInterval(Durations.fromSeconds(1))
                                                        .setMaxInterval(
                                                            Durations.fromSeconds(30)))))))
                // failure_policy stays unset: its default is FAIL_CLOSED (a WAF that cannot run
                // answers 503 rather than let requests through uninspected), and Envoys older than
                // the field (fail_open, default false) fail closed as well.
                .setConfiguration(Any.pack(StringValue.of(configuration(waf)))))
        .build();
  }

  /**
   * Coraza's config: {@code {"directives_map":{"<name>":[...]},"default_directives":"<name>"}},
   * keys in this order, no whitespace.
   */
  static String configuration(WafIr waf) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode lines = root.putObject("directives_map").putArray(waf.name());
    waf.directives().forEach(lines::add);
    root.put("default_directives", waf.name());
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings always serialises", e);
    }
  }

  /** Turns the route's WAF on; the directives are the filter's. */
  static Any enabled() {
    return Any.pack(FilterConfig.getDefaultInstance());
  }
}
