package io.meshgate.meshbridge.consul;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.identity.TrustBundle;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code GET /v1/agent/connect/ca/roots} answers: the Connect CA's trust domain ({@code
 * <cluster id>.consul}), the active root's ID and every root still trusted, active or retiring.
 */
public record ConsulRoots(String trustDomain, String activeRootId, List<String> rootsPem) {
  /** More roots than any rotation keeps: an answer with more is refused, not read. */
  public static final int MAX_ROOTS = 16;

  public ConsulRoots {
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(activeRootId, "activeRootId");
    rootsPem = List.copyOf(rootsPem);
  }

  /** The roots as a bundle for {@link #trustDomain()}. */
  public TrustBundle bundle() {
    return new TrustBundle(trustDomain, rootsPem);
  }

  /**
   * Reads an answer, checking what a TLS context will need: a trust domain, at least one root, each
   * a CA certificate in PEM.
   *
   * @throws IllegalArgumentException naming the field that is wrong
   */
  static ConsulRoots read(JsonNode answer) {
    String trustDomain = answer.path("TrustDomain").asText("");
    if (trustDomain.isEmpty()) {
      throw new IllegalArgumentException("TrustDomain: missing (is Connect enabled on the agent?)");
    }
    JsonNode roots = answer.path("Roots");
    if (!roots.isArray() || roots.isEmpty()) {
      throw new IllegalArgumentException("Roots: no root (is Connect enabled on the agent?)");
    }
    if (roots.size() > MAX_ROOTS) {
      throw new IllegalArgumentException(
          "Roots: " + roots.size() + " roots (expected: at most " + MAX_ROOTS + ")");
    }
    List<String> pems = new ArrayList<>();
    for (int i = 0; i < roots.size(); i++) {
      String field = "Roots[" + i + "].RootCert";
      String pem = roots.get(i).path("RootCert").asText("");
      List<X509Certificate> certificates;
      try {
        certificates = Pem.certificates(pem, field);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      if (certificates.size() != 1 || certificates.get(0).getBasicConstraints() < 0) {
        throw new IllegalArgumentException(field + ": expected one CA certificate");
      }
      pems.add(Pem.certificates(certificates));
    }
    return new ConsulRoots(trustDomain, answer.path("ActiveRootID").asText(""), pems);
  }
}
