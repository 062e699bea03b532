package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A value an OIDC login's filter reads by SDS (a {@code generic_secret} of the same name): the
 * client secret, or the key its cookies are signed with. The IR names where the value is and
 * fingerprints it; the value itself is read from the key ring when the Secret resource is built.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = OAuth2SecretIr.FromSecret.class, name = "secret"),
  @JsonSubTypes.Type(value = OAuth2SecretIr.Derived.class, name = "derived")
})
public sealed interface OAuth2SecretIr {
  /** The SDS resource name. */
  String name();

  /**
   * One key of an Opaque Secret's sealed values (opened with the Secret's namespace and name).
   *
   * @param fingerprint the fingerprint of the Secret's sealed envelope ({@code
   *     KeyMaterial.Values}), by which the envoy stage finds the values in the key ring: a changed
   *     value is a changed IR
   */
  record FromSecret(
      String name, String namespace, String secretName, String key, String fingerprint)
      implements OAuth2SecretIr {
    public FromSecret {
      requireNonNull(name, "name");
      requireNonNull(namespace, "namespace");
      requireNonNull(secretName, "secretName");
      requireNonNull(key, "key");
      requireNonNull(fingerprint, "fingerprint");
    }
  }

  /**
   * HMAC-SHA256 keyed with {@code from}'s value over {@code context}: the same on every replica and
   * for every Envoy of the policy, so a cookie one signs another accepts.
   */
  record Derived(String name, FromSecret from, String context) implements OAuth2SecretIr {
    public Derived {
      requireNonNull(name, "name");
      requireNonNull(from, "from");
      requireNonNull(context, "context");
    }
  }
}
