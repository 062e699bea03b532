package io.meshgate.xds.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.envoy.EnvoyTypes;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.PrivateKeys;
import io.meshgate.xds.resolve.Resolver;
import java.util.List;
import java.util.TreeMap;

/**
 * Shared by the translation tests: case inputs to snapshots, IR to YAML, protos to config-dump
 * YAML.
 */
public final class Cases {
  /** The test seal key's unsealer (test-keys/README.md): golden Secrets are sealed for it. */
  public static final PrivateKeys KEYS = testKeys();

  private Cases() {}

  private static PrivateKeys testKeys() {
    try {
      return PrivateKeys.unsealingWith(
          new Unsealer(SealKeys.readPrivate(java.nio.file.Path.of(TEST_KEYS, "seal.key"))));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static final String TEST_KEYS = "src/test/resources/test-keys";

  /** Validates every document (a case must be valid input) and stores it as generation 1. */
  public static ConfigSnapshot snapshot(String yaml) {
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>();
    long revision = 0;
    for (Document document : YamlDocuments.read("input.yaml", yaml)) {
      if (document.tree() == null) {
        throw new IllegalArgumentException(document.parseError());
      }
      Validation validation = ResourceValidator.get().validate(document.tree());
      if (validation instanceof Validation.Invalid invalid) {
        throw new IllegalArgumentException(
            "invalid case input " + invalid.subject() + ": " + invalid.violations());
      }
      Resource resource = ((Validation.Valid) validation).resource();
      revision++;
      resources.put(
          resource.key(),
          resource.withMetadata(
              resource
                  .metadata()
                  .withBookkeeping("uid-" + resource.metadata().name(), 1, revision)));
    }
    return new ConfigSnapshot(revision, resources);
  }

  static ResolvedIr resolve(String yaml) {
    ConfigSnapshot snapshot = snapshot(yaml);
    return Resolver.resolve(snapshot, StaticEndpointSource.from(snapshot), KEYS);
  }

  static String irYaml(ResolvedIr ir) {
    return io.meshgate.xds.ir.IrYaml.write(ir.groups());
  }

  static ResolvedIr readIr(String yaml) {
    return new ResolvedIr(io.meshgate.xds.ir.IrYaml.read(yaml), List.of());
  }

  /** Resources as an Envoy config dump shows them: each an Any with its {@code @type}. */
  static JsonNode dump(List<? extends Message> resources) {
    try {
      var array = Mappers.json().createArrayNode();
      for (Message resource : resources) {
        String json =
            JsonFormat.printer().usingTypeRegistry(EnvoyTypes.REGISTRY).print(Any.pack(resource));
        array.add(Mappers.json().readTree(json));
      }
      return array;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a dumped resource back with the Envoy type registry; unknown fields fail. */
  static Message parse(JsonNode dumped) {
    try {
      Any.Builder any = Any.newBuilder();
      JsonFormat.parser()
          .usingTypeRegistry(EnvoyTypes.REGISTRY)
          .merge(Mappers.json().writeValueAsString(dumped), any);
      String type = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
      com.google.protobuf.Descriptors.Descriptor descriptor = EnvoyTypes.REGISTRY.find(type);
      return com.google.protobuf.DynamicMessage.parseFrom(descriptor, any.getValue());
    } catch (InvalidProtocolBufferException
        | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("does not parse back: " + e.getMessage(), e);
    }
  }
}
