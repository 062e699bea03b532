package io.meshgate.testkit.ads;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads a response as Envoy does before applying it: every resource must be of the response's type
 * and unpack into it. Pure; no state.
 */
final class Unpacking {
  private Unpacking() {}

  /**
   * A response read.
   *
   * @param problem why it cannot be applied, or null when every resource unpacked
   */
  record Read(Received received, Map<String, Message> unpacked, @Nullable String problem) {}

  static Read delta(int stream, DeltaDiscoveryResponse response) {
    String typeUrl = response.getTypeUrl();
    Optional<ResourceType> type = ResourceType.of(typeUrl);
    List<Received.Delivered> delivered = new ArrayList<>(response.getResourcesCount());
    Map<String, Message> unpacked = new LinkedHashMap<>();
    String problem = type.isEmpty() ? "unexpected type " + typeUrl : null;
    for (Resource resource : response.getResourcesList()) {
      delivered.add(
          new Received.Delivered(
              resource.getName(), resource.getVersion(), resource.getResource()));
      if (problem == null) {
        Outcome outcome = unpack(type.get(), typeUrl, resource.getName(), resource.getResource());
        if (outcome instanceof Parsed parsed) {
          unpacked.put(resource.getName(), parsed.message());
        } else {
          problem = ((Broken) outcome).problem();
        }
      }
    }
    Received received =
        new Received(
            stream,
            typeUrl,
            response.getNonce(),
            "",
            delivered,
            response.getRemovedResourcesList(),
            response.getSerializedSize());
    return new Read(received, unpacked, problem);
  }

  static Read sotw(int stream, DiscoveryResponse response, SotwVersions versions) {
    String typeUrl = response.getTypeUrl();
    Optional<ResourceType> type = ResourceType.of(typeUrl);
    List<Received.Delivered> delivered = new ArrayList<>(response.getResourcesCount());
    Map<String, Message> unpacked = new LinkedHashMap<>();
    String problem = type.isEmpty() ? "unexpected type " + typeUrl : null;
    for (Any any : response.getResourcesList()) {
      String name = "";
      if (type.isPresent()) {
        Outcome outcome = unpack(type.get(), typeUrl, "a resource", any);
        if (outcome instanceof Parsed parsed) {
          name = type.get().nameOf(parsed.message());
          unpacked.put(name, parsed.message());
        } else if (problem == null) {
          problem = ((Broken) outcome).problem();
        }
      }
      String version =
          versions == SotwVersions.CONTENT_HASH ? ContentHash.of(any) : response.getVersionInfo();
      delivered.add(new Received.Delivered(name, version, any));
    }
    Received received =
        new Received(
            stream,
            typeUrl,
            response.getNonce(),
            response.getVersionInfo(),
            delivered,
            List.of(),
            response.getSerializedSize());
    return new Read(received, unpacked, problem);
  }

  /** One resource unpacked, or why not. */
  private sealed interface Outcome permits Parsed, Broken {}

  private record Parsed(Message message) implements Outcome {}

  private record Broken(String problem) implements Outcome {}

  private static Outcome unpack(ResourceType type, String typeUrl, String name, Any any) {
    if (!any.getTypeUrl().equals(typeUrl)) {
      return new Broken(name + " is a " + any.getTypeUrl() + " in a response of " + typeUrl);
    }
    try {
      return new Parsed(any.unpack(type.messageClass()));
    } catch (InvalidProtocolBufferException e) {
      return new Broken(
          name
              + " does not parse as "
              + type.messageClass().getSimpleName()
              + ": "
              + e.getMessage());
    }
  }
}
