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
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.EnvoyTypes;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.TranslationCache;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.issuers.Discovery;
import io.meshgate.xds.issuers.IssuerMetadata;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.issuers.KeySet;
import io.meshgate.xds.issuers.KeySetSource;
import io.meshgate.xds.issuers.KnownKeySet;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.Resolver;
import io.meshgate.xds.resolve.WafModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Shared by the translation tests: case inputs to snapshots, IR to YAML, protos to config-dump
 * YAML.
 */
public final class Cases {
  /**
   * A key loader with the test seal key (test-keys/README.md; golden Secrets are sealed for it) and
   * no cert dirs.
   */
  public static final KeyLoader KEYS = testKeys();

  /**
   * The WAF module every case's replica is configured with (MESHGATE_WAF_MODULE_URL and _SHA256):
   * the output of a case without a WAF policy does not depend on it.
   */
  public static final WafModule WAF_MODULE =
      new WafModule(
          "https://files.example.com/coraza-proxy-wasm-0.6.0.wasm",
          "5f1a1e0c2f7b1c4e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e");

  /** The translation settings of every case: the default mesh settings, and {@link #WAF_MODULE}. */
  public static final MeshSettings SETTINGS = MeshSettings.DEFAULTS.withWaf(WAF_MODULE);

  private Cases() {}

  /** The test seal key's unsealer. */
  public static Unsealer testUnsealer() {
    try {
      return new Unsealer(SealKeys.readPrivate(Path.of(TEST_KEYS, "seal.key")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static KeyLoader testKeys() {
    return KeyLoader.of(testUnsealer(), CertificateDirs.none());
  }

  /**
   * A case's input as the pipeline sees it: config, the endpoints it lists, the test keys, and the
   * mesh identities of its Envoys from the test CA.
   */
  public static Inputs inputs(ConfigSnapshot snapshot) {
    return inputs(snapshot, IssuerSnapshot.empty());
  }

  /** The same, with what OIDC discovery knows of the case's issuers. */
  public static Inputs inputs(ConfigSnapshot snapshot, IssuerSnapshot issuers) {
    return new Inputs(
        snapshot,
        StaticEndpointSource.from(snapshot),
        KEYS.ringFor(snapshot),
        TestIdentities.forConfig(snapshot),
        issuers);
  }

  /**
   * A whole-pipeline golden case's folder through resolve and envoy: its {@code input.yaml}, and
   * its {@code issuers.yaml} and {@code key-sets.yaml} when it has them (what discovery would have
   * fetched; see {@link #issuers} and {@link #keySets}).
   */
  public static Translated translateCase(Path dir) {
    return translate(caseInputs(dir));
  }

  /** A whole-pipeline golden case's inputs, as {@link #translateCase} takes them. */
  public static Inputs caseInputs(Path dir) {
    ConfigSnapshot snapshot = snapshot(GoldenFiles.read(dir.resolve("input.yaml")));
    Path issuers = dir.resolve(ISSUERS);
    Path keySets = dir.resolve(KEY_SETS);
    return inputs(
        snapshot,
        IssuerSnapshot.of(
            Files.exists(issuers) ? issuerMap(GoldenFiles.read(issuers)) : Map.of(),
            Files.exists(keySets) ? keySets(GoldenFiles.read(keySets)) : Map.of()));
  }

  /** The file of a golden case that states what OIDC discovery knows of its issuers. */
  public static final String ISSUERS = "issuers.yaml";

  /** The file of a golden case that states what meshgate's fetches know of its remote key sets. */
  public static final String KEY_SETS = "key-sets.yaml";

  /**
   * What meshgate's fetches know of remote key sets (trusting the JDK's store), as a case states
   * it: by {@code remoteJWKS.uri}, one of {@code current: <key set>}, {@code stale: {keySet: <key
   * set>, failure: <failure>}} or {@code missing: <failure>}; a key set is {@code {keys: 2,
   * fingerprint: 0123456789abcdef}}, a failure as in {@link #issuers}.
   */
  public static Map<KeySetSource, KnownKeySet> keySets(String yaml) {
    try {
      JsonNode root = Mappers.yaml().readTree(yaml);
      Map<KeySetSource, KnownKeySet> keySets = new HashMap<>();
      root.fields()
          .forEachRemaining(
              entry -> {
                JsonNode known = entry.getValue();
                KnownKeySet state;
                if (known.has("current")) {
                  state = new KnownKeySet.Current(keySet(known.get("current")));
                } else if (known.has("stale")) {
                  state =
                      new KnownKeySet.Stale(
                          keySet(known.get("stale").get("keySet")),
                          failure(known.get("stale").get("failure")));
                } else {
                  state = new KnownKeySet.Missing(failure(known.get("missing")));
                }
                keySets.put(KeySetSource.of(entry.getKey()), state);
              });
      return keySets;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static KeySet keySet(JsonNode node) {
    return new KeySet(node.get("keys").asInt(), node.get("fingerprint").asText());
  }

  /**
   * An issuer snapshot as a case states it: by issuer, one of {@code current: <metadata>}, {@code
   * stale: {metadata: <metadata>, failure: <failure>}} or {@code missing: <failure>}; a metadata is
   * {@code {authorizationEndpoint, tokenEndpoint, endSessionEndpoint, jwksUri}} (the issuer is the
   * key), a failure {@code {kind: TIMEOUT, detail: ...}}.
   */
  public static IssuerSnapshot issuers(String yaml) {
    return IssuerSnapshot.of(issuerMap(yaml));
  }

  private static Map<String, Discovery> issuerMap(String yaml) {
    try {
      JsonNode root = Mappers.yaml().readTree(yaml);
      Map<String, Discovery> issuers = new TreeMap<>();
      root.fields()
          .forEachRemaining(
              entry -> {
                String issuer = entry.getKey();
                JsonNode known = entry.getValue();
                Discovery discovery;
                if (known.has("current")) {
                  discovery = new Discovery.Current(metadata(issuer, known.get("current")));
                } else if (known.has("stale")) {
                  discovery =
                      new Discovery.Stale(
                          metadata(issuer, known.get("stale").get("metadata")),
                          failure(known.get("stale").get("failure")));
                } else {
                  discovery = new Discovery.Missing(failure(known.get("missing")));
                }
                issuers.put(issuer, discovery);
              });
      return issuers;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static IssuerMetadata metadata(String issuer, JsonNode node) {
    return new IssuerMetadata(
        issuer,
        node.get("authorizationEndpoint").asText(),
        node.get("tokenEndpoint").asText(),
        node.has("endSessionEndpoint") ? node.get("endSessionEndpoint").asText() : null,
        node.has("jwksUri") ? node.get("jwksUri").asText() : null);
  }

  private static Discovery.Failure failure(JsonNode node) {
    return new Discovery.Failure(
        Discovery.Kind.valueOf(node.get("kind").asText()),
        node.has("detail") ? node.get("detail").asText() : "");
  }

  /**
   * A case through resolve and the envoy stage's one entry, as the pipeline's builder runs them (a
   * fresh translation cache: a first build).
   */
  public record Translated(Inputs inputs, ResolvedIr ir, List<GroupResources> groups) {}

  public static Translated translate(String yaml) {
    return translate(inputs(snapshot(yaml)));
  }

  public static Translated translate(Inputs inputs) {
    ResolvedIr ir =
        Resolver.resolve(
            inputs.config(),
            inputs.endpoints(),
            inputs.keys(),
            SETTINGS,
            inputs.identities(),
            inputs.issuers());
    return new Translated(inputs, ir, envoy(ir, inputs.keys(), inputs.identities()));
  }

  /** Every group of an IR through {@link EnvoyTranslator#translate}. */
  public static List<GroupResources> envoy(ResolvedIr ir, KeyRing keys, Identities identities) {
    TranslationCache cache = new TranslationCache();
    return ir.groups().stream()
        .map(g -> EnvoyTranslator.translate(g, keys, identities, cache))
        .toList();
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
    return translate(yaml).ir();
  }

  static String irYaml(ResolvedIr ir) {
    return io.meshgate.xds.ir.IrYaml.write(ir.groups());
  }

  /** A group as its YAML holds it: without the owner. */
  static ProxyGroupIr withoutOwner(ProxyGroupIr group) {
    return new ProxyGroupIr(
        group.name(),
        group.kind(),
        group.listeners(),
        group.routeTables(),
        group.clusters(),
        group.certificates(),
        group.identities(),
        group.dnsClusters(),
        null);
  }

  /** An IR-only case's {@code ir.yaml}, as the envoy stage reads it. */
  public static ResolvedIr readIr(String yaml) {
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
