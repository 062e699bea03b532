package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * validate, apply --dry-run, seal-key create and seal: everything that needs no running cluster.
 */
class OfflineCommandsTest {
  @TempDir Path dir;

  private static final String VALID =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: echo, namespace: shop}
      spec:
        protocol: GRPC
        static: {endpoints: [{address: 10.0.0.5, port: 50051}]}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: echo, namespace: shop}
      spec:
        parentRefs: [{group: meshgate.io, kind: Backend, name: echo}]
        rules: [{backendRefs: [{name: echo}]}]
      """;

  private static final String INVALID =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web}
      spec:
        rules:
          - matches: [{path: {type: RegularExpression, value: "(?!x)"}}]
            backendRefs: [{name: web, weight: 2000000}]
      """;

  /** The two VALID documents with empty ones around them, each spelled another way. */
  private static final String VALID_WITH_EMPTY_DOCUMENTS =
      "---\n" + VALID.replace("---\n", "--- \n# a document of only comments\n---\n") + "---\n";

  private Path write(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  @Test
  void validateExitsZeroForValidFilesAndListsThem() throws Exception {
    Path file = write("ok.yaml", VALID);

    CliRun run = CliRun.run("validate", "-f", file.toString());

    assertThat(run.exit()).isZero();
    assertThat(run.out())
        .contains(file + "#0 Backend/shop/echo: valid")
        .contains(file + "#1 HTTPRoute/shop/echo: valid")
        .contains("2 documents: 2 valid, 0 invalid");
  }

  @Test
  void validateExitsThreeAndPrintsEveryViolationWithFileIndexAndPointer() throws Exception {
    write("a-ok.yaml", VALID);
    write("b-bad.yaml", INVALID);
    write("notes.txt", "not read: not yaml");

    CliRun run = CliRun.run("validate", "-f", dir.toString());

    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.out())
        .contains(dir.resolve("b-bad.yaml") + "#0 HTTPRoute/default/web: invalid")
        .contains("  /spec/rules/0/backendRefs/0/weight: must be at most 1000000 (value: 2000000)")
        .contains("  /spec/rules/0/matches/0/path/value: not a valid RE2 regular expression")
        .contains("3 documents: 2 valid, 1 invalid");
  }

  @Test
  void validateSkipsEmptyDocuments() throws Exception {
    Path file = write("ok.yaml", VALID_WITH_EMPTY_DOCUMENTS);

    CliRun run = CliRun.run("validate", "-f", file.toString());

    assertThat(run.exit()).as(run.out()).isZero();
    assertThat(run.out())
        .contains(file + "#0 Backend/shop/echo: valid")
        .contains(file + "#1 HTTPRoute/shop/echo: valid")
        .contains("2 documents: 2 valid, 0 invalid");
  }

  @Test
  void applyOfOnlyEmptyDocumentsIsAUsageError() throws Exception {
    Path file = write("empty.yaml", "---\n# nothing here yet\n---\n");

    CliRun each = CliRun.run("apply", "--dry-run", "-f", file.toString());
    CliRun atomic = CliRun.run("apply", "--dry-run", "--atomic", "-f", file.toString());

    for (CliRun run : List.of(each, atomic)) {
      assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(2);
      assertThat(run.err()).contains("no objects passed to apply (every document was empty)");
      assertThat(run.out()).isEmpty();
    }
  }

  @Test
  void applySkipsEmptyDocumentsOneEventEachOrOneChangeset() throws Exception {
    Path file = write("ok.yaml", VALID_WITH_EMPTY_DOCUMENTS);

    CliRun each = CliRun.run("apply", "--dry-run", "-f", file.toString());
    CliRun atomic = CliRun.run("apply", "--dry-run", "--atomic", "-f", file.toString());

    assertThat(each.exit()).as(each.out()).isZero();
    assertThat(YamlDocuments.read("-", each.out()))
        .extracting(d -> d.tree().path("headers").path("ce_subject").asText())
        .containsExactly("Backend/shop/echo", "HTTPRoute/shop/echo");
    assertThat(atomic.exit()).as(atomic.out() + atomic.err()).isZero();
    var changesets = YamlDocuments.read("-", atomic.out());
    assertThat(changesets).hasSize(1);
    var value =
        io.meshgate.config.codec.Mappers.json()
            .readTree(changesets.get(0).tree().path("value").asText());
    assertThat(value.path("resources").size()).isEqualTo(2);
  }

  @Test
  void aDocumentThatIsNotAMappingIsRefusedWithItsFileAndIndex() throws Exception {
    // given: a list between two resources, after an empty document that does not count
    Path file =
        write(
            "mixed.yaml",
            VALID.replace("---\n", "---\n---\n- kind: Backend\n- kind: HTTPRoute\n---\n"));

    // when
    CliRun validate = CliRun.run("validate", "-f", file.toString());
    CliRun apply = CliRun.run("apply", "--dry-run", "-f", file.toString());

    // then
    assertThat(validate.exit()).isEqualTo(3);
    assertThat(validate.out())
        .contains(
            file
                + "#1 (unnamed): invalid\n"
                + "  (document): a resource is an object with apiVersion, kind, metadata and spec")
        .contains("3 documents: 2 valid, 1 invalid");
    assertThat(apply.exit()).isEqualTo(3);
    assertThat(apply.out())
        .contains(file + "#1 (unnamed): invalid")
        .contains("nothing was published");
  }

  @Test
  void registerRefusesAnInvalidWorkloadOrAnotherKindBeforeConnecting() throws Exception {
    Path invalid =
        Files.writeString(
            dir.resolve("invalid.yaml"),
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: vm-1}
            spec: {address: 10.0.0.1, ports: [{name: http, port: 70000}]}
            """);
    Path backend =
        Files.writeString(
            dir.resolve("backend.yaml"),
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: web}
            spec: {static: {endpoints: [{address: 10.0.0.1, port: 80}]}}
            """);

    CliRun bad = CliRun.run("register", "-f", invalid.toString(), "--xds", "127.0.0.1:1");
    CliRun wrongKind = CliRun.run("register", "-f", backend.toString(), "--xds", "127.0.0.1:1");
    CliRun tokenInTheClear =
        CliRun.run("register", "-f", "../deploy/vm/workload.yaml", "--token-file", "/tmp/t");

    assertThat(bad.exit()).isEqualTo(3);
    assertThat(bad.err()).contains("/spec/ports/0/port");
    assertThat(wrongKind.exit()).isEqualTo(3);
    assertThat(wrongKind.err()).contains("kind Backend (expected: Workload)");
    assertThat(tokenInTheClear.exit()).isEqualTo(2);
    assertThat(tokenInTheClear.err()).contains("credentials are only sent over TLS");
  }

  @Test
  void theShippedVmWorkloadIsValid() {
    CliRun run = CliRun.run("validate", "-f", "../deploy/vm/workload.yaml");

    assertThat(run.exit()).as(run.out()).isZero();
  }

  @Test
  void theShippedExamplesAreValid() {
    CliRun run = CliRun.run("validate", "-R", "-f", "../deploy/examples");

    assertThat(run.exit()).as(run.out()).isZero();
    assertThat(run.out()).contains(" 0 invalid");
  }

  @Test
  void aMissingFileIsARuntimeError() {
    CliRun run = CliRun.run("validate", "-f", dir.resolve("nope.yaml").toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("no such file: " + dir.resolve("nope.yaml"));
  }

  @Test
  void applyDryRunPrintsTheEventsAndPublishesNothing() throws Exception {
    Path file = write("ok.yaml", VALID);

    // Kafka at a closed port: a dry run must not need it.
    CliRun run =
        CliRun.run(
            "apply",
            "--dry-run",
            "-f",
            file.toString(),
            "--kafka",
            "127.0.0.1:1",
            "--if-revision",
            "0");

    assertThat(run.exit()).isZero();
    var events = YamlDocuments.read("-", run.out());
    assertThat(events).hasSize(2);
    assertThat(events.get(0).tree().path("key").asText()).isEqualTo("shop");
    assertThat(events.get(0).tree().path("headers").path("ce_subject").asText())
        .isEqualTo("Backend/shop/echo");
    assertThat(events.get(0).tree().path("headers").path("ce_ifrevision").asText()).isEqualTo("0");
    assertThat(events.get(1).tree().path("headers").path("ce_type").asText())
        .isEqualTo("io.meshgate.resource.applied");
    assertThat(events.get(1).tree().path("value").asText())
        .startsWith("{\"apiVersion\":\"gateway.networking.k8s.io/v1\",\"kind\":\"HTTPRoute\"");
  }

  @Test
  void applyDryRunAsJsonEmbedsTheValue() throws Exception {
    Path file = write("ok.yaml", VALID);

    CliRun run = CliRun.run("apply", "--dry-run", "-o", "json", "-f", file.toString());

    assertThat(run.exit()).isZero();
    var array = io.meshgate.config.codec.Mappers.json().readTree(run.out());
    assertThat(array.size()).isEqualTo(2);
    assertThat(array.get(0).path("value").path("spec").path("protocol").asText()).isEqualTo("GRPC");
  }

  @Test
  void applyOfAnInvalidFileExitsThreeAndPublishesNothing() throws Exception {
    Path file = write("bad.yaml", INVALID);

    CliRun run = CliRun.run("apply", "-f", file.toString(), "--kafka", "127.0.0.1:1");

    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.out())
        .contains("must be at most 1000000")
        .contains("not a valid RE2 regular expression")
        .contains("nothing was published");
  }

  @Test
  void sealKeyCreateThenSealGivesASecretOnlyTheClusterKeyOpens() throws Exception {
    // given
    Path keys = dir.resolve("keys");
    CliRun created = CliRun.run("seal-key", "create", "--out", keys.toString());
    assertThat(created.exit()).isZero();
    assertThat(Files.getPosixFilePermissions(keys.resolve("seal.key")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path secret =
        write(
            "secret.yaml",
            """
            apiVersion: v1
            kind: Secret
            metadata: {name: hmac-keys, namespace: shop}
            type: Opaque
            stringData:
              hmac-key: s3cr3t-value
            """);

    // when: the key comes from MESHGATE_SEAL_PUB
    CliRun sealed =
        CliRun.run(
            Map.of("MESHGATE_SEAL_PUB", keys.resolve("seal.pub").toString()),
            Path.of("/nonexistent"),
            "seal",
            "-f",
            secret.toString());

    // then
    assertThat(sealed.exit()).as(sealed.err()).isZero();
    assertThat(sealed.out())
        .doesNotContain("s3cr3t-value")
        .doesNotContain(
            Base64.getEncoder().encodeToString("s3cr3t-value".getBytes(StandardCharsets.UTF_8)));
    var tree = YamlDocuments.read("-", sealed.out()).get(0).tree();
    Validation validation = ResourceValidator.get().validate(tree);
    assertThat(validation).isInstanceOf(Validation.Valid.class);
    SecretSpec spec = ((Validation.Valid) validation).resource().spec(SecretSpec.class);
    Map<String, byte[]> opened =
        new Unsealer(SealKeys.readPrivate(keys.resolve("seal.key")))
            .unseal("shop", "hmac-keys", spec.sealed());
    assertThat(new String(opened.get("hmac-key"), StandardCharsets.UTF_8))
        .isEqualTo("s3cr3t-value");
  }

  @Test
  void sealSkipsEmptyDocumentsAndRefusesOneThatIsNotASecretMapping() throws Exception {
    // given
    Path keys = dir.resolve("keys");
    assertThat(CliRun.run("seal-key", "create", "--out", keys.toString()).exit()).isZero();
    Map<String, String> env = Map.of("MESHGATE_SEAL_PUB", keys.resolve("seal.pub").toString());
    String secret =
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: hmac-keys, namespace: shop}
        type: Opaque
        stringData: {hmac-key: s3cr3t-value}
        """;
    Path withEmpty = write("secret.yaml", "---\n" + secret + "--- \n# later\n---\n");
    Path withScalar = write("scalar.yaml", secret + "---\njust words\n");

    // when
    CliRun sealed = CliRun.run(env, Path.of("/nonexistent"), "seal", "-f", withEmpty.toString());
    CliRun refused = CliRun.run(env, Path.of("/nonexistent"), "seal", "-f", withScalar.toString());

    // then
    assertThat(sealed.exit()).as(sealed.err()).isZero();
    assertThat(YamlDocuments.read("-", sealed.out()))
        .singleElement()
        .satisfies(d -> assertThat(d.tree().path("sealed").path("data").has("hmac-key")).isTrue());
    assertThat(refused.exit()).isEqualTo(3);
    assertThat(refused.err()).startsWith(withScalar + "#1: ");
  }

  @Test
  void settingsComeFromFlagThenEnvironmentThenConfigFileThenDefault() throws Exception {
    Path config = write("config.yaml", "kafka: from-file:9092\n");
    ApplyCommand fromFile = parsedApply(Map.of(), config);
    ApplyCommand fromEnv = parsedApply(Map.of("MESHGATE_KAFKA", "from-env:9092"), config);
    ApplyCommand fromDefault = parsedApply(Map.of(), dir.resolve("none.yaml"));
    ApplyCommand fromFlag =
        parsedApply(Map.of("MESHGATE_KAFKA", "from-env:9092"), config, "--kafka", "from-flag:9092");

    assertThat(fromFile.cluster.kafka).isEqualTo("from-file:9092");
    assertThat(fromEnv.cluster.kafka).isEqualTo("from-env:9092");
    assertThat(fromDefault.cluster.kafka).isEqualTo("127.0.0.1:9092");
    assertThat(fromFlag.cluster.kafka).isEqualTo("from-flag:9092");
  }

  private static ApplyCommand parsedApply(Map<String, String> env, Path config, String... extra) {
    var commandLine = Meshgate.commandLine(new ConfigDefaults(env, config));
    String[] args = new String[extra.length + 3];
    args[0] = "apply";
    args[1] = "-f";
    args[2] = "x.yaml";
    System.arraycopy(extra, 0, args, 3, extra.length);
    var parsed = commandLine.parseArgs(args);
    return (ApplyCommand) parsed.subcommand().commandSpec().userObject();
  }
}
