package io.meshgate.xds.resolve;

import io.meshgate.config.model.Durations;
import io.meshgate.config.model.HmacAuth;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.HmacIr;
import io.meshgate.xds.ir.HmacServiceIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SecretValuesIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.SecretValue;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@code hmac} of every SecurityPolicy, checked once against the sealed Opaque Secret it names:
 * a reference to the keys (the Secret, its keyids and the fingerprint of its opened values, never a
 * key), or — when the Secret is missing, not sealed, cannot be opened here, holds no key, or holds
 * a key too short — broken. A broken policy fails closed: the routes it governs answer 500.
 */
final class SignaturePolicies {
  /** The most keyids one policy may hold. */
  static final int MAX_KEYS = 1_000;

  /** The shortest shared key: the length of an HMAC-SHA256, as RFC 2104 advises. */
  static final int MIN_KEY_BYTES = 32;

  /** The cluster Envoy reaches meshgate's signature service through. */
  static final String CLUSTER = "meshgate/authz";

  private static final String FAILS_CLOSED = SealedSecrets.FAILS_CLOSED;

  /** What a SecurityPolicy's {@code hmac} asks of the routes it governs. */
  sealed interface Hmac {
    /** The signatures its routes demand. */
    record Checked(HmacIr hmac) implements Hmac {}

    /** Could not be translated (Problems say why): its routes answer 500. */
    record Broken(SourceRef policy) implements Hmac {}
  }

  private SignaturePolicies() {}

  /** Every SecurityPolicy that sets {@code hmac}, by key; Problems for those broken. */
  static Map<ResourceKey, Hmac> of(Context context) {
    Map<ResourceKey, Hmac> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      HmacAuth hmac = policy.spec(SecurityPolicySpec.class).hmac();
      if (hmac != null) {
        byPolicy.put(policy.key(), checked(context, policy, hmac));
      }
    }
    return byPolicy;
  }

  /** The service as the group's Envoys reach it. */
  static HmacServiceIr service(Context context) {
    EdgeServices.Address authz = context.mesh.edge().authz();
    return new HmacServiceIr(CLUSTER, authz.host(), authz.port());
  }

  private static Hmac checked(Context context, Resource policy, HmacAuth hmac) {
    SourceRef source = Context.source(policy);
    String at = "/spec/hmac/keys";
    Optional<KeyMaterial.Values> opened = SealedSecrets.open(context, policy, hmac.keys(), at);
    if (opened.isEmpty()) {
      return new Hmac.Broken(source);
    }
    String secret = SealedSecrets.nameOf(policy, hmac.keys());
    Map<String, SecretValue> keys = new TreeMap<>(opened.get().values());
    if (hmac.keys().key() != null) {
      SecretValue one = keys.get(hmac.keys().key());
      if (one == null) {
        context.problem(
            policy,
            at + "/key",
            ProblemReason.INVALID,
            secret + " has no sealed key '" + hmac.keys().key() + "'" + FAILS_CLOSED);
        return new Hmac.Broken(source);
      }
      keys = Map.of(hmac.keys().key(), one);
    }
    if (keys.isEmpty()) {
      context.problem(
          policy, at, ProblemReason.INVALID, secret + " holds no shared key" + FAILS_CLOSED);
      return new Hmac.Broken(source);
    }
    if (keys.size() > MAX_KEYS) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          keys.size() + " keys (expected: at most " + MAX_KEYS + ")" + FAILS_CLOSED);
      return new Hmac.Broken(source);
    }
    for (Map.Entry<String, SecretValue> key : keys.entrySet()) {
      if (key.getValue().length() < MIN_KEY_BYTES) {
        context.problem(
            policy,
            at,
            ProblemReason.INVALID,
            "keyid '"
                + key.getKey()
                + "' ("
                + secret
                + "): the shared key has "
                + key.getValue().length()
                + " bytes (expected: at least "
                + MIN_KEY_BYTES
                + ", as many as the HMAC-SHA256 it keys)"
                + FAILS_CLOSED);
        return new Hmac.Broken(source);
      }
    }
    return new Hmac.Checked(
        new HmacIr(
            Names.hmacPolicy(policy.key()),
            new SecretValuesIr(
                policy.metadata().namespace(),
                hmac.keys().name(),
                keys.keySet().stream().toList(),
                opened.get().fingerprint()),
            hmac.required(),
            Durations.parse(hmac.maxSkew()).toSeconds(),
            hmac.nonceRequired(),
            hmac.opensOnStoreFailure(),
            hmac.maxBodyBytes(),
            source));
  }
}
