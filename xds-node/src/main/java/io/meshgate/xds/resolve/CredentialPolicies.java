package io.meshgate.xds.resolve;

import io.meshgate.config.model.ApiKeyAuth;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretRef;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.ApiKeyAuthIr;
import io.meshgate.xds.ir.BasicAuthIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.RouteActionIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RoutePolicyIr;
import io.meshgate.xds.ir.SecretValuesIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.keys.Htpasswd;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.SecretValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The {@code apiKeyAuth} and {@code basicAuth} of every SecurityPolicy, checked once against the
 * sealed Opaque Secrets they name: a reference to the credentials (the Secret, the keys used and
 * the fingerprint of its opened values, never a value), or — when a Secret is missing, not sealed,
 * cannot be opened here, or holds a value Envoy cannot take — broken. A broken policy fails closed:
 * the routes it governs answer 500 (RouteRules), never unchecked.
 *
 * <p>Every route a policy governs carries its own copy of the credentials (Envoy's per-route
 * config), so a policy is bounded ({@link #MAX_CLIENTS}, {@link #MAX_BYTES}), and so is a route
 * table ({@link #TABLE_BUDGET}, see {@link #withinBudget}).
 */
final class CredentialPolicies {
  /** The most clients (API keys) or users (htpasswd lines) one policy may name. */
  static final int MAX_CLIENTS = 1_000;

  /** The most bytes of credentials (client ids and keys, or htpasswd lines) of one policy. */
  static final int MAX_BYTES = 64 * 1024;

  /**
   * The most bytes of credentials one route table carries, over all its routes: a route table is
   * one RDS message, and gRPC clients refuse a message over 4 MiB by default; this leaves 3 MiB for
   * the rest of the table.
   */
  static final int TABLE_BUDGET = 1024 * 1024;

  /** The key of a basic-auth Secret that holds the htpasswd lines, unless the ref names one. */
  static final String HTPASSWD = ".htpasswd";

  private static final String FAILS_CLOSED = SealedSecrets.FAILS_CLOSED;

  /** What a SecurityPolicy's {@code apiKeyAuth} asks of the routes it governs. */
  sealed interface ApiKeys {
    /** The credentials, and their size in a route's config. */
    record Checked(ApiKeyAuthIr auth, int bytes) implements ApiKeys {}

    /** Could not be translated (Problems say why): its routes answer 500. */
    record Broken(SourceRef policy) implements ApiKeys {}
  }

  /** What a SecurityPolicy's {@code basicAuth} asks of the routes it governs. */
  sealed interface Basic {
    /** The users, and their size in a route's config. */
    record Checked(BasicAuthIr auth, int bytes) implements Basic {}

    /** Could not be translated (Problems say why): its routes answer 500. */
    record Broken(SourceRef policy) implements Basic {}
  }

  private CredentialPolicies() {}

  /** Every SecurityPolicy that sets {@code apiKeyAuth}, by key; Problems for those broken. */
  static Map<ResourceKey, ApiKeys> apiKeys(Context context) {
    Map<ResourceKey, ApiKeys> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      ApiKeyAuth auth = policy.spec(SecurityPolicySpec.class).apiKeyAuth();
      if (auth != null) {
        byPolicy.put(policy.key(), apiKeys(context, policy, auth));
      }
    }
    return byPolicy;
  }

  /** Every SecurityPolicy that sets {@code basicAuth}, by key; Problems for those broken. */
  static Map<ResourceKey, Basic> basic(Context context) {
    Map<ResourceKey, Basic> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      SecurityPolicySpec spec = policy.spec(SecurityPolicySpec.class);
      if (spec.basicAuth() != null) {
        byPolicy.put(policy.key(), basic(context, policy, spec.basicAuth().users()));
      }
    }
    return byPolicy;
  }

  private static ApiKeys apiKeys(Context context, Resource policy, ApiKeyAuth auth) {
    SourceRef source = Context.source(policy);
    List<SecretValuesIr> credentials = new ArrayList<>();
    // API key -> "client 'id' (Secret name)", to refuse one key for two clients.
    Map<SecretValue, String> owners = new HashMap<>();
    boolean broken = false;
    int clients = 0;
    int bytes = 0;
    for (int i = 0; i < auth.credentials().size(); i++) {
      SecretRef ref = auth.credentials().get(i);
      String at = "/spec/apiKeyAuth/credentials/" + i;
      Optional<KeyMaterial.Values> opened = SealedSecrets.open(context, policy, ref, at);
      if (opened.isEmpty()) {
        broken = true;
        continue;
      }
      Map<String, SecretValue> values = new TreeMap<>(opened.get().values());
      if (ref.key() != null) {
        if (!values.containsKey(ref.key())) {
          context.problem(
              policy,
              at + "/key",
              ProblemReason.INVALID,
              SealedSecrets.nameOf(policy, ref)
                  + " has no sealed key '"
                  + ref.key()
                  + "'"
                  + FAILS_CLOSED);
          broken = true;
          continue;
        }
        values = Map.of(ref.key(), values.get(ref.key()));
      }
      if (values.isEmpty()) {
        context.problem(
            policy,
            at,
            ProblemReason.INVALID,
            SealedSecrets.nameOf(policy, ref) + " holds no API key" + FAILS_CLOSED);
        broken = true;
        continue;
      }
      for (Map.Entry<String, SecretValue> client : new TreeMap<>(values).entrySet()) {
        String who = "client '" + client.getKey() + "' (" + SealedSecrets.nameOf(policy, ref) + ")";
        if (!printable(client.getValue())) {
          context.problem(
              policy,
              at,
              ProblemReason.INVALID,
              who
                  + ": the API key holds a space, a line break or a character outside printable"
                  + " ASCII, so no request header can carry it"
                  + FAILS_CLOSED);
          broken = true;
          continue;
        }
        String first = owners.putIfAbsent(client.getValue(), who);
        if (first != null) {
          context.problem(
              policy,
              at,
              ProblemReason.INVALID,
              who + " has the same API key as " + first + FAILS_CLOSED);
          broken = true;
          continue;
        }
        clients++;
        bytes += client.getKey().length() + client.getValue().length();
      }
      credentials.add(
          new SecretValuesIr(
              policy.metadata().namespace(),
              ref.name(),
              new ArrayList<>(values.keySet()),
              opened.get().fingerprint()));
    }
    if (!broken) {
      broken = !bounded(context, policy, "/spec/apiKeyAuth/credentials", clients, "clients", bytes);
    }
    return broken
        ? new ApiKeys.Broken(source)
        : new ApiKeys.Checked(
            new ApiKeyAuthIr(auth.header(), auth.query(), credentials, source), bytes);
  }

  private static Basic basic(Context context, Resource policy, SecretRef ref) {
    SourceRef source = Context.source(policy);
    String at = "/spec/basicAuth/users";
    Optional<KeyMaterial.Values> opened = SealedSecrets.open(context, policy, ref, at);
    if (opened.isEmpty()) {
      return new Basic.Broken(source);
    }
    String key = ref.key() == null ? HTPASSWD : ref.key();
    SecretValue file = opened.get().values().get(key);
    if (file == null) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          SealedSecrets.nameOf(policy, ref) + " has no sealed key '" + key + "'" + FAILS_CLOSED);
      return new Basic.Broken(source);
    }
    Htpasswd.Parsed parsed = Htpasswd.parse(file.utf8());
    for (Htpasswd.Refusal refusal : parsed.refusals()) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          SealedSecrets.nameOf(policy, ref) + " '" + key + "' " + refusal.message() + FAILS_CLOSED);
    }
    if (!parsed.refusals().isEmpty()) {
      return new Basic.Broken(source);
    }
    if (parsed.users().isEmpty()) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          SealedSecrets.nameOf(policy, ref) + " '" + key + "' holds no user" + FAILS_CLOSED);
      return new Basic.Broken(source);
    }
    int bytes = Htpasswd.lines(parsed.users()).length();
    if (!bounded(context, policy, at, parsed.users().size(), "users", bytes)) {
      return new Basic.Broken(source);
    }
    return new Basic.Checked(
        new BasicAuthIr(
            new SecretValuesIr(
                policy.metadata().namespace(),
                ref.name(),
                List.of(key),
                opened.get().fingerprint()),
            source),
        bytes);
  }

  /**
   * A route table's hosts, with each route whose credentials would take the table past {@link
   * #TABLE_BUDGET} answering 500 instead (routes counted in the table's order, so the same routes
   * every time), and a Problem on the policy that governs it.
   *
   * @param bytes the size of a route's credentials in its config (0 for none)
   */
  static List<VirtualHostIr> withinBudget(
      Context context,
      String table,
      List<VirtualHostIr> hosts,
      ToIntFunction<RoutePolicyIr> bytes) {
    long used = 0;
    List<VirtualHostIr> checked = new ArrayList<>();
    for (VirtualHostIr host : hosts) {
      List<RouteIr> routes = new ArrayList<>();
      for (RouteIr route : host.routes()) {
        int size = route.policy() == null ? 0 : bytes.applyAsInt(route.policy());
        if (size == 0 || used + size <= TABLE_BUDGET) {
          used += size;
          routes.add(route);
          continue;
        }
        RoutePolicyIr policy = route.policy();
        SourceRef governing =
            policy.apiKeyAuth() != null
                ? policy.apiKeyAuth().policy()
                : policy.basicAuth().policy();
        context
            .get(governing.key())
            .ifPresent(
                p ->
                    context.problem(
                        p,
                        policy.apiKeyAuth() != null ? "/spec/apiKeyAuth" : "/spec/basicAuth",
                        ProblemReason.INVALID,
                        "route "
                            + route.name()
                            + ": the credentials of route table "
                            + table
                            + " would pass "
                            + TABLE_BUDGET
                            + " bytes (every route carries its own copy); this route answers"
                            + " 500"));
        routes.add(
            new RouteIr(
                route.name(),
                route.match(),
                new RouteActionIr.DirectResponse(500, ""),
                route.requestHeaders(),
                route.responseHeaders(),
                route.timeoutMillis(),
                route.retry(),
                policy.withoutCredentials(),
                route.source()));
      }
      checked.add(
          new VirtualHostIr(host.name(), host.domains(), routes, host.rateLimit(), host.access()));
    }
    return checked;
  }

  /** Whether a policy's credentials are within the bounds; a Problem when not. */
  private static boolean bounded(
      Context context, Resource policy, String at, int count, String what, int bytes) {
    if (count > MAX_CLIENTS) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          count + " " + what + " (expected: at most " + MAX_CLIENTS + ")" + FAILS_CLOSED);
      return false;
    }
    if (bytes > MAX_BYTES) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          bytes
              + " bytes of credentials (expected: at most "
              + MAX_BYTES
              + "; every route the policy governs carries a copy)"
              + FAILS_CLOSED);
      return false;
    }
    return true;
  }

  /** Visible ASCII, no space: what a header or a query parameter carries unchanged. */
  private static boolean printable(SecretValue value) {
    byte[] bytes = value.bytes();
    if (bytes.length == 0) {
      return false;
    }
    for (byte b : bytes) {
      if (b <= 0x20 || b >= 0x7f) {
        return false;
      }
    }
    return true;
  }
}
