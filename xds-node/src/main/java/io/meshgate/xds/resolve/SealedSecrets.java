package io.meshgate.xds.resolve;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretRef;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecretType;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.KeyRef;
import java.util.Optional;

/**
 * The Opaque Secrets whose sealed values a SecurityPolicy reads (API keys, htpasswd files, an OIDC
 * login's secrets), opened in the key ring: one place for the checks and their Problems, which name
 * the Secret and never a value.
 */
final class SealedSecrets {
  /** How every such Problem ends: a policy whose Secret cannot be read fails closed. */
  static final String FAILS_CLOSED =
      "; the routes this policy governs answer 500 until it is fixed";

  private SealedSecrets() {}

  /**
   * The opened values of the Opaque Secret {@code ref} names in the policy's namespace; empty, with
   * a Problem at {@code at}, when it is missing, not Opaque, has nothing sealed, or this replica
   * cannot open it.
   */
  static Optional<KeyMaterial.Values> open(
      Context context, Resource policy, SecretRef ref, String at) {
    String namespace = policy.metadata().namespace();
    String name = nameOf(policy, ref);
    Optional<Resource> secret = context.get(new ResourceKey(Kind.SECRET, namespace, ref.name()));
    if (secret.isEmpty()) {
      context.problem(policy, at, ProblemReason.INVALID, name + " not found" + FAILS_CLOSED);
      return Optional.empty();
    }
    SecretSpec spec = secret.get().spec(SecretSpec.class);
    if (spec.type() != SecretType.OPAQUE) {
      context.problem(
          policy, at, ProblemReason.INVALID, name + " is not of type Opaque" + FAILS_CLOSED);
      return Optional.empty();
    }
    if (spec.sealed() == null) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          name
              + " has no sealed values (seal it with 'meshgate seal -f FILE' and apply its output)"
              + FAILS_CLOSED);
      return Optional.empty();
    }
    KeyMaterial material =
        context.keys.get(new KeyRef.SealedValues(namespace, ref.name(), spec.sealed()));
    if (material instanceof KeyMaterial.Values values) {
      return Optional.of(values);
    }
    String why =
        material instanceof KeyMaterial.Unavailable unavailable
            ? unavailable.message()
            : "it is not an Opaque Secret's values";
    context.problem(policy, at, ProblemReason.INVALID, name + ": " + why + FAILS_CLOSED);
    return Optional.empty();
  }

  /** "Secret namespace/name", as Problems name it. */
  static String nameOf(Resource policy, SecretRef ref) {
    return "Secret " + policy.metadata().namespace() + "/" + ref.name();
  }
}
