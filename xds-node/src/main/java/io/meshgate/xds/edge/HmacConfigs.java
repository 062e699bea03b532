package io.meshgate.xds.edge;

import io.meshgate.edge.signature.HmacKey;
import io.meshgate.edge.signature.HmacPolicies;
import io.meshgate.edge.signature.HmacPolicy;
import io.meshgate.edge.signature.NonceRule;
import io.meshgate.edge.signature.StoreFailure;
import io.meshgate.xds.ir.HmacIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.keys.SecretValue;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The signature service's policies, derived from the resolved IR and the key ring in this one
 * place: every HMAC policy a route of some group names (Envoy's check names the same {@code
 * <namespace>/<policy>}, so Envoy's config and the service's cannot disagree), with its keys read
 * from the ring by the reference and fingerprint the IR holds. Pure: no I/O, no clock.
 */
public final class HmacConfigs {
  private HmacConfigs() {}

  /** The policies of every signed route of the build. */
  public static HmacPolicies from(ResolvedIr resolved, KeyRing keys) {
    Map<String, HmacPolicy> byName = new TreeMap<>();
    resolved
        .routes()
        .map(route -> route.policy() == null ? null : route.policy().hmac())
        .filter(Objects::nonNull)
        .forEach(hmac -> byName.computeIfAbsent(hmac.name(), name -> policy(hmac, keys)));
    return new HmacPolicies(byName);
  }

  /**
   * One policy; a keyid whose value is not in the ring is left out (resolve opened the same ring,
   * so that happens only between a Secret's change and the next build), and its signatures are
   * refused as signed by an unknown key.
   */
  private static HmacPolicy policy(HmacIr hmac, KeyRing keys) {
    Optional<KeyMaterial.Values> values =
        keys.values(hmac.keys().namespace(), hmac.keys().secretName(), hmac.keys().fingerprint());
    Map<String, HmacKey> byKeyid = new TreeMap<>();
    for (String keyid : hmac.keys().keys()) {
      SecretValue value = values.map(v -> v.values().get(keyid)).orElse(null);
      if (value != null && value.length() > 0) {
        byKeyid.put(keyid, HmacKey.of(value.bytes()));
      }
    }
    return new HmacPolicy(
        hmac.name(),
        byKeyid,
        hmac.components(),
        Duration.ofSeconds(hmac.maxSkewSeconds()),
        hmac.requireNonce() ? NonceRule.REQUIRED : NonceRule.NOT_CHECKED,
        hmac.failOpen() ? StoreFailure.ALLOW : StoreFailure.REFUSE,
        hmac.maxBodyBytes());
  }
}
