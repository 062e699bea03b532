package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import java.util.Map;

/**
 * A Secret's contents: public values in data (base64) and private values sealed. Written at the top
 * level of a Secret, as in Kubernetes.
 */
@Doc(
    "A Secret's contents: public values in data (base64) and private values sealed. Written at the top level of a Secret, as in Kubernetes.")
public record SecretSpec(
    @Default("Opaque") @Doc("kubernetes.io/tls or Opaque.") SecretType type,
    @Doc(
            "Public values, base64: tls.crt, ca.crt and JWT key sets (jwks, *.jwks) only. Private values go in sealed.")
        Map<String, String> data,
    @Doc("Private values sealed by meshgate seal.") SealedData sealed)
    implements Spec {
  public SecretSpec {
    type = type == null ? SecretType.OPAQUE : type;
    data = Copies.map(data);
  }
}
