package io.meshgate.meshbridge.consul;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One gateway instance as a Consul service instance: a typical service registered {@code
 * Connect.Native}, the way Consul documents an application that does the mesh's mTLS itself with
 * the agent's leaf certificates, so that intentions naming {@code name} apply to it and it shows in
 * the catalog. Its one check is a TTL check that whoever registered it passes while the gateway is
 * connected; Consul removes the instance {@code deregisterAfter} after the check went critical.
 *
 * <p>Not kind {@code api-gateway}: Consul programs an instance of that kind itself, from its {@code
 * api-gateway} config entry and its routes, and would claim to configure an Envoy whose
 * configuration comes from meshgate.
 *
 * @param id the instance's ID on its agent
 * @param name the service name: the one in the gateway's SPIFFE ID and in intentions
 * @param address where the gateway's connection to meshgate comes from
 * @param port the gateway's first listener port
 * @param meta Consul service meta (at most 64 keys of 128 bytes, values of 512, as Consul allows)
 * @param ttl the check's TTL
 * @param deregisterAfter how long after going critical Consul removes the instance (Consul's
 *     minimum is one minute)
 * @param namespace the Consul namespace (Enterprise) to register in; empty: the token's default
 */
public record GatewayService(
    String id,
    String name,
    String address,
    int port,
    Map<String, String> meta,
    Duration ttl,
    Duration deregisterAfter,
    Optional<String> namespace) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Consul's limits on service meta. */
  public static final int MAX_META_KEYS = 64;

  public static final int MAX_META_KEY_LENGTH = 128;
  public static final int MAX_META_VALUE_LENGTH = 512;

  public GatewayService {
    requireNonNull(id, "id");
    requireNonNull(name, "name");
    requireNonNull(address, "address");
    requireNonNull(ttl, "ttl");
    requireNonNull(deregisterAfter, "deregisterAfter");
    requireNonNull(namespace, "namespace");
    if (id.isEmpty() || name.isEmpty()) {
      throw new IllegalArgumentException("id and name: " + id + ", " + name + " (expected: both)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    if (ttl.toSeconds() < 1 || deregisterAfter.compareTo(Duration.ofMinutes(1)) < 0) {
      throw new IllegalArgumentException(
          "ttl "
              + ttl
              + ", deregisterAfter "
              + deregisterAfter
              + " (expected: at least 1 s and 1 min; Consul's minimum)");
    }
    meta = Map.copyOf(meta);
    if (meta.size() > MAX_META_KEYS
        || meta.entrySet().stream()
            .anyMatch(
                e ->
                    e.getKey().length() > MAX_META_KEY_LENGTH
                        || e.getValue().length() > MAX_META_VALUE_LENGTH)) {
      throw new IllegalArgumentException(
          "meta: over Consul's limits of "
              + MAX_META_KEYS
              + " keys, "
              + MAX_META_KEY_LENGTH
              + " bytes a key and "
              + MAX_META_VALUE_LENGTH
              + " a value");
    }
  }

  /** The ID of the instance's TTL check. */
  public String checkId() {
    return "service:" + id;
  }

  /** The body of {@code PUT /v1/agent/service/register}. */
  String registrationJson() {
    ObjectNode body = JSON.createObjectNode();
    body.put("ID", id);
    body.put("Name", name);
    body.put("Address", address);
    body.put("Port", port);
    namespace.ifPresent(ns -> body.put("Namespace", ns));
    body.putArray("Tags").add("meshgate");
    ObjectNode metaNode = body.putObject("Meta");
    new TreeMap<>(meta).forEach(metaNode::put);
    body.putObject("Connect").put("Native", true);
    ObjectNode check = body.putObject("Check");
    check.put("CheckID", checkId());
    check.put("Name", "meshgate: the gateway's xDS stream");
    check.put("TTL", ttl.toSeconds() + "s");
    check.put("Status", "passing");
    check.put("DeregisterCriticalServiceAfter", deregisterAfter.toSeconds() + "s");
    return body.toString();
  }
}
