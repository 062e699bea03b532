package io.meshgate.xds.resolve;

import io.meshgate.config.model.CorsPolicy;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.CorsIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.StringMatchIr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code cors} of every SecurityPolicy, as the routes it governs get it. CORS fails closed by
 * itself — an origin left out is an origin the browser refuses — so what cannot be translated is
 * left out with a Problem and the rest applies.
 *
 * <p>config-store's validation holds header names and the duration to their patterns; origins are
 * free text there. Here an origin must be {@code *} or {@code scheme://host[:port]}, with {@code
 * *.} as the host's first label standing for one or more labels of a subdomain: a trailing slash or
 * a path would never equal the {@code Origin} a browser sends.
 */
final class CorsPolicies {
  private static final Pattern ORIGIN =
      Pattern.compile(
          "^[a-z][a-z0-9+.-]*://(\\*\\.)?([a-z0-9-]+(\\.[a-z0-9-]+)*|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?$");

  /** Stands for the {@code *} of {@code *.}: one or more DNS labels, never a port or a path. */
  private static final String LABELS = "[a-z0-9-]+(\\.[a-z0-9-]+)*";

  private CorsPolicies() {}

  /** Every SecurityPolicy that sets {@code cors}, by key; Problems for what is left out. */
  static Map<ResourceKey, CorsIr> of(Context context) {
    Map<ResourceKey, CorsIr> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      SecurityPolicySpec spec = policy.spec(SecurityPolicySpec.class);
      if (spec.cors() != null) {
        byPolicy.put(policy.key(), cors(context, policy, spec.cors()));
      }
    }
    return byPolicy;
  }

  private static CorsIr cors(Context context, Resource policy, CorsPolicy cors) {
    List<StringMatchIr> origins = new ArrayList<>();
    boolean anyOrigin = false;
    for (int i = 0; i < cors.allowOrigins().size(); i++) {
      String origin = cors.allowOrigins().get(i).trim().toLowerCase(Locale.ROOT);
      if (origin.equals("*")) {
        anyOrigin = true;
        origins.add(new StringMatchIr.Regex(".*"));
      } else if (!ORIGIN.matcher(origin).matches()) {
        context.problem(
            policy,
            "/spec/cors/allowOrigins/" + i,
            ProblemReason.INVALID,
            "'"
                + cors.allowOrigins().get(i)
                + "' is not '*' or scheme://host[:port] (no path, no trailing slash; '*.' may"
                + " start the host); left out, browsers from there are refused");
      } else if (origin.contains("*")) {
        origins.add(new StringMatchIr.Regex(wildcard(origin)));
      } else {
        origins.add(new StringMatchIr.Exact(origin));
      }
    }
    boolean credentials = Boolean.TRUE.equals(cors.allowCredentials());
    if (credentials && anyOrigin) {
      // Envoy answers a matched origin with that origin, not '*': credentials for every site.
      context.problem(
          policy,
          "/spec/cors/allowCredentials",
          ProblemReason.INVALID,
          "allowCredentials with the origin '*' would let every site send a user's credentials;"
              + " credentials are not allowed until the origins are named");
      credentials = false;
    }
    return new CorsIr(
        origins,
        cors.allowMethods(),
        cors.allowHeaders(),
        cors.exposeHeaders(),
        cors.maxAge() == null ? null : RouteRules.millis(cors.maxAge()) / 1000,
        credentials,
        Context.source(policy));
  }

  /**
   * {@code https://*.example.com} as RE2: every character but the wildcard taken literally (the
   * origin pattern admits only {@code .}, {@code +} and {@code [ ]} of RE2's metacharacters).
   */
  static String wildcard(String origin) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < origin.length(); i++) {
      char c = origin.charAt(i);
      if (c == '*') {
        regex.append(LABELS);
      } else if (".+?()[]{}^$|\\".indexOf(c) >= 0) {
        regex.append('\\').append(c);
      } else {
        regex.append(c);
      }
    }
    return regex.toString();
  }
}
