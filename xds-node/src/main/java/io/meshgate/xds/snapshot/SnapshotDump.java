package io.meshgate.xds.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.envoy.EnvoyTypes;
import java.util.List;

/**
 * Group snapshots as {@code meshgate translate} prints them (and as tools that show what a group is
 * served may): by group, then by type (listeners, routes, clusters, endpoints, secrets), each
 * resource as an Envoy config dump shows it (an Any with its {@code @type}, printed with {@link
 * EnvoyTypes#REGISTRY}, as the golden files are). A Secret is never printed: only its name, what it
 * holds and a fingerprint (its xDS version, a hash of its bytes), so the output can be shared and
 * diffed.
 */
public final class SnapshotDump {
  /** A type printed in full, under its key. */
  public record Part(String key, String typeUrl) {}

  /** The types printed in full, in the order of the golden files' names. */
  public static final List<Part> PARTS =
      List.of(
          new Part("listeners", TypeUrls.LISTENER),
          new Part("routes", TypeUrls.ROUTE),
          new Part("clusters", TypeUrls.CLUSTER),
          new Part("endpoints", TypeUrls.ENDPOINT));

  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().usingTypeRegistry(EnvoyTypes.REGISTRY);

  private SnapshotDump() {}

  public static ObjectNode of(List<GroupSnapshot> snapshots) {
    ObjectNode byGroup = Mappers.json().createObjectNode();
    for (GroupSnapshot snapshot : snapshots) {
      ObjectNode group = byGroup.putObject(snapshot.group());
      for (Part part : PARTS) {
        ArrayNode resources = group.putArray(part.key());
        for (VersionedResource resource : snapshot.type(part.typeUrl()).resources().values()) {
          resources.add(dumped(resource.resource()));
        }
      }
      ArrayNode secrets = group.putArray("secrets");
      for (VersionedResource resource : snapshot.type(TypeUrls.SECRET).resources().values()) {
        secrets.add(redacted(resource));
      }
    }
    return byGroup;
  }

  /**
   * One served resource as an operator may see it ({@code /debug/config}): a Secret redacted to its
   * name, what it holds and its fingerprint, any other type in full but for the fields Envoy marks
   * sensitive (API keys and basic-auth users in routes), which read {@code [redacted]} as in
   * Envoy's own config dump ({@link SensitiveFields}).
   */
  public static ObjectNode resource(String typeUrl, VersionedResource resource) {
    return typeUrl.equals(TypeUrls.SECRET)
        ? redacted(resource)
        : dumped(SensitiveFields.redacted(resource.resource()));
  }

  private static ObjectNode dumped(Any resource) {
    try {
      return (ObjectNode) Mappers.json().readTree(PRINTER.print(resource));
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException("cannot print " + resource.getTypeUrl(), e);
    }
  }

  /** Name, kind and fingerprint: no key, no value, not even the certificate chain. */
  private static ObjectNode redacted(VersionedResource resource) {
    ObjectNode node = Mappers.json().createObjectNode();
    node.put("name", resource.name());
    node.put("holds", holds(resource.resource()));
    node.put("fingerprint", resource.version());
    return node;
  }

  private static String holds(Any packed) {
    try {
      Secret secret = packed.unpack(Secret.class);
      return switch (secret.getTypeCase()) {
        case TLS_CERTIFICATE -> "tlsCertificate";
        case VALIDATION_CONTEXT -> "validationContext";
        case GENERIC_SECRET -> "genericSecret";
        case SESSION_TICKET_KEYS -> "sessionTicketKeys";
        default -> "other";
      };
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a Secret that does not parse", e);
    }
  }
}
