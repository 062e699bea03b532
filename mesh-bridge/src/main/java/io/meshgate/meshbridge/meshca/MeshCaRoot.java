package io.meshgate.meshbridge.meshca;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.SealedData;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.seal.SealException;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One root of the mesh CA as stored in etcd (inside {@code Keyspace.MESH_CA_ROOTS}): its
 * certificate, its private key sealed for the cluster's seal key, when it was created (it is
 * trusted from then on) and when it starts signing leaves. It holds no plaintext key, so it may be
 * printed; {@link #toString()} still leaves the envelope out, as it is of no use in a log.
 *
 * @param id 16 hex digits of the SHA-256 of the certificate (DER): names the root in the CLI and in
 *     the sealed envelope
 * @param certificatePem the self-signed root certificate, one PEM block
 * @param sealedKey the PKCS#8 private key, sealed for namespace {@value #SEAL_NAMESPACE}, name
 *     {@code id}, value {@value #SEAL_VALUE}
 * @param created when the root was added: trusted from then on
 * @param signsFrom from when leaves are signed by it: later than {@code created} by the propagation
 *     time of a rotation, so that every peer trusts it before it meets its leaves
 */
public record MeshCaRoot(
    String id, String certificatePem, SealedData sealedKey, Instant created, Instant signsFrom) {
  /** The Secret namespace a root's private key is sealed for; the name is the root's id. */
  public static final String SEAL_NAMESPACE = "meshgate-mesh-ca";

  /** The sealed value's key: the PKCS#8 DER of the private key. */
  public static final String SEAL_VALUE = "pkcs8";

  private static final Pattern ID = Pattern.compile("[0-9a-f]{16}");

  public MeshCaRoot {
    requireNonNull(id, "id");
    requireNonNull(certificatePem, "certificatePem");
    requireNonNull(sealedKey, "sealedKey");
    requireNonNull(created, "created");
    requireNonNull(signsFrom, "signsFrom");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("id: '" + id + "' (expected: 16 lower-case hex digits)");
    }
    if (signsFrom.isBefore(created)) {
      throw new IllegalArgumentException(
          "signsFrom: " + signsFrom + " (expected: not before created " + created + ")");
    }
  }

  /** The id of a root certificate: 16 hex digits of the SHA-256 of its DER. */
  public static String idOf(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot hash the certificate", e);
    }
  }

  /** The root certificate. */
  public X509Certificate certificate() {
    return Pem.certificates(certificatePem, "mesh CA root " + id).get(0);
  }

  /**
   * The CA of this root, its private key opened with {@code unsealer}.
   *
   * @throws IllegalStateException with what an operator can do, if the key does not open (sealed
   *     for another seal key, altered) or is not the certificate's key; never quoting key bytes
   */
  public CertificateAuthority open(Unsealer unsealer) {
    requireNonNull(unsealer, "unsealer");
    Map<String, byte[]> values;
    try {
      values = unsealer.unseal(SEAL_NAMESPACE, id, sealedKey);
    } catch (SealException e) {
      throw new IllegalStateException(
          "mesh CA root "
              + id
              + " cannot be opened with seal key "
              + unsealer.keyId()
              + " ("
              + e.getMessage()
              + "); start the node with the seal key the root was sealed for ("
              + sealedKey.keyId()
              + "; MESHGATE_SEAL_KEY, retired keys beside it in retired/)",
          e);
    }
    byte[] pkcs8 = values.get(SEAL_VALUE);
    try {
      if (pkcs8 == null) {
        throw new IllegalStateException(
            "mesh CA root " + id + ": the sealed envelope has no '" + SEAL_VALUE + "' value");
      }
      PrivateKey key;
      try {
        key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        // No cause: a key-parsing exception may describe the bytes it could not read.
        throw new IllegalStateException(
            "mesh CA root " + id + ": the sealed private key is not an EC PKCS#8 key");
      }
      try {
        return CertificateAuthority.of(certificate(), key);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("mesh CA root " + id + ": " + e.getMessage());
      }
    } finally {
      values.values().forEach(value -> Arrays.fill(value, (byte) 0));
    }
  }

  @Override
  public String toString() {
    return "MeshCaRoot["
        + id
        + ", created="
        + created
        + ", signsFrom="
        + signsFrom
        + ", sealed for "
        + sealedKey.keyId()
        + "]";
  }

  // ---- the stored JSON: {"roots": [{"id", "certificate", "sealedKey", "created", "signsFrom"}]}

  /** The stored value of {@code roots}. */
  static String toJson(List<MeshCaRoot> roots) {
    ObjectNode document = Mappers.json().createObjectNode();
    var array = document.putArray("roots");
    for (MeshCaRoot root : roots) {
      ObjectNode node = array.addObject();
      node.put("id", root.id());
      node.put("certificate", root.certificatePem());
      node.set("sealedKey", Mappers.json().valueToTree(root.sealedKey()));
      node.put("created", root.created().toString());
      node.put("signsFrom", root.signsFrom().toString());
    }
    try {
      return Mappers.json().writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the mesh CA roots", e);
    }
  }

  /**
   * Reads a stored value.
   *
   * @param source where it came from (the etcd key), for the message
   * @throws IllegalArgumentException naming the source and the bad field
   */
  static List<MeshCaRoot> parseAll(String json, String source) {
    JsonNode document;
    try {
      document = Mappers.json().readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not JSON");
    }
    if (document == null || !document.path("roots").isArray()) {
      throw new IllegalArgumentException(
          source + ": no 'roots' array (expected: {\"roots\": [...]})");
    }
    JsonNode array = document.path("roots");
    List<MeshCaRoot> roots = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      roots.add(parse(array.get(i), source + ": roots[" + i + "]"));
    }
    return List.copyOf(roots);
  }

  private static MeshCaRoot parse(JsonNode node, String source) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(source + ": not a JSON object");
    }
    SealedData sealed;
    try {
      sealed = Mappers.json().treeToValue(node.path("sealedKey"), SealedData.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": sealedKey is not a sealed envelope");
    }
    if (sealed == null) {
      throw new IllegalArgumentException(source + ": sealedKey is missing");
    }
    String certificate = text(node, "certificate", source);
    String id = text(node, "id", source);
    String actual = idOf(Pem.certificates(certificate, source + ": certificate").get(0));
    if (!actual.equals(id)) {
      throw new IllegalArgumentException(
          source + ": id " + id + " (expected: " + actual + ", the id of its certificate)");
    }
    try {
      return new MeshCaRoot(
          id,
          certificate,
          sealed,
          instant(node, "created", source),
          instant(node, "signsFrom", source));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage());
    }
  }

  private static String text(JsonNode node, String field, String source) {
    JsonNode value = node.path(field);
    if (!value.isTextual() || value.asText().isEmpty()) {
      throw new IllegalArgumentException(source + ": " + field + " is missing (expected: text)");
    }
    return value.asText();
  }

  private static Instant instant(JsonNode node, String field, String source) {
    String value = text(node, field, source);
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          source
              + ": "
              + field
              + ": '"
              + value
              + "' (expected: RFC 3339, e.g. 2025-01-31T12:00:00Z)");
    }
  }
}
