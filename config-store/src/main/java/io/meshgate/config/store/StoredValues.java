package io.meshgate.config.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * How resources and statuses are written to etcd values. A stored resource carries its uid and
 * generation but not its resourceVersion: that is the etcd mod revision, filled in when read.
 */
public final class StoredValues {
  private StoredValues() {}

  public static byte[] resource(Resource resource) {
    ObjectMeta meta = resource.metadata();
    ObjectMeta stored = meta.withResourceVersion(null);
    return ResourceCodec.toJson(resource.withMetadata(stored).withStatus(null));
  }

  /** A stored resource, with resourceVersion set to the key's mod revision. */
  public static Resource resource(byte[] json, long modRevision) {
    try {
      Resource resource = ResourceCodec.fromTree(ResourceCodec.parseJson(json));
      ObjectMeta meta = resource.metadata();
      return resource.withMetadata(meta.withResourceVersion(modRevision));
    } catch (IOException e) {
      throw new UncheckedIOException("stored resource is not JSON", e);
    }
  }

  public static byte[] status(ApplierStatus status) {
    try {
      return Mappers.json().writeValueAsBytes(status);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ApplierStatus status(byte[] json) {
    try {
      return Mappers.json().readValue(json, ApplierStatus.class);
    } catch (IOException e) {
      throw new UncheckedIOException("stored status is not readable", e);
    }
  }

  /** A history entry: its fields, and the resource as stored. */
  public static byte[] history(HistoryEntry entry) {
    try {
      var root = Mappers.json().createObjectNode();
      root.put("generation", entry.generation())
          .put("eventId", entry.eventId())
          .put("time", entry.time())
          .put("source", entry.source());
      root.set("resource", ResourceCodec.parseJson(resource(entry.resource())));
      return Mappers.json().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static HistoryEntry history(byte[] json) {
    try {
      var root = Mappers.json().readTree(json);
      return new HistoryEntry(
          root.path("generation").asLong(),
          root.path("eventId").asText(),
          root.path("time").asText(),
          root.path("source").asText(),
          ResourceCodec.fromTree(root.path("resource")));
    } catch (IOException e) {
      throw new UncheckedIOException("stored history entry is not readable", e);
    }
  }

  /** A registration: the Workload as stored resources are, and the agent's report beside it. */
  public static byte[] registration(Registration registration) {
    try {
      var root = Mappers.json().createObjectNode();
      root.set("workload", ResourceCodec.parseJson(resource(registration.workload())));
      root.put("instance", registration.instance())
          .put("health", Mappers.json().valueToTree(registration.health()).asText())
          .put("output", registration.output())
          .put("node", registration.node())
          .put("since", registration.since().toString());
      return Mappers.json().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A stored registration; its Workload's resourceVersion is the key's mod revision. */
  public static Registration registration(byte[] json, long modRevision) {
    try {
      var root = Mappers.json().readTree(json);
      Resource workload = ResourceCodec.fromTree(root.path("workload"));
      return new Registration(
          workload.withMetadata(workload.metadata().withResourceVersion(modRevision)),
          root.path("instance").asText(),
          Mappers.json().treeToValue(root.path("health"), HealthStatus.class),
          root.path("output").asText(),
          root.path("node").asText(),
          Instant.parse(root.path("since").asText()));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "stored registration is not readable: " + e.getMessage(), e);
    }
  }
}
