package io.meshgate.xds;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md as executable rules, over the main classes of every module
 * on this classpath (xds-node sees all of them). ArchUnit's core API in a plain JUnit test: its
 * JUnit 5 engine is unproven on JUnit 6.
 */
class LayeringTest {
  private static final String[] INFRASTRUCTURE = {
    "io.envoyproxy..", "io.etcd..", "org.apache.kafka..", "io.grpc..", "com.google.protobuf.."
  };

  // The stages of xds-node, in the order a change flows through them (docs/architecture.md).
  private static final String PIPELINE = "io.meshgate.xds.pipeline..";
  private static final String RESOLVE = "io.meshgate.xds.resolve..";
  private static final String IR = "io.meshgate.xds.ir..";
  private static final String ENVOY = "io.meshgate.xds.envoy..";
  private static final String SNAPSHOT = "io.meshgate.xds.snapshot..";
  private static final String SERVE = "io.meshgate.xds.serve..";
  private static final String NODE = "io.meshgate.xds.node..";
  private static final String CLI = "io.meshgate.xds.cli..";
  private static final String STANDALONE = "io.meshgate.xds.standalone..";

  private static final String EDGE = "io.meshgate.xds.edge..";

  // The stages that promise pure translation: same input, same bytes, on every replica; edge
  // derives the edge services' configs from the IR as envoy derives Envoy's.
  private static final String[] PURE = {RESOLVE, ENVOY, IR, EDGE};

  // What reads key material from files or unseals it, nested types included; by name, as KeyLoader
  // is still being written (issue 17).
  private static final String KEY_LOADING =
      "io\\.meshgate\\.xds\\.keys\\.(KeyLoader|CertificateDirs|PrivateKeys)(\\$.*)?";

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.meshgate");
  }

  @Test
  void mainCodeNeverDependsOnTheTestkit() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.meshgate.testkit..")
        .and()
        .resideOutsideOfPackage("io.meshgate.bench..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.meshgate.testkit..")
        .check(classes);
  }

  @Test
  void embeddedLaunchersDependOnNoneOfOurModules() {
    noClasses()
        .that()
        .resideInAPackage("io.meshgate.embedded..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.meshgate.config..",
            "io.meshgate.xds..",
            "io.meshgate.discovery..",
            "io.meshgate.meshbridge..",
            "io.meshgate.testkit..")
        .check(classes);
  }

  @Test
  void configStoreNeverImportsEnvoyTypes() {
    noClasses()
        .that()
        .resideInAPackage("io.meshgate.config..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.envoyproxy..", "io.meshgate.xds..")
        .check(classes);
  }

  @Test
  void theConfigModelNeverImportsInfrastructure() {
    noClasses()
        .that()
        .resideInAPackage("io.meshgate.config.model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(INFRASTRUCTURE)
        .check(classes);
  }

  @Test
  void theIrNeverImportsInfrastructure() {
    noClasses()
        .that()
        .resideInAPackage("io.meshgate.xds.ir..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(INFRASTRUCTURE)
        .check(classes);
  }

  @Test
  void theResolveStageNeverImportsEnvoyEtcdOrKafka() {
    noClasses()
        .that()
        .resideInAPackage("io.meshgate.xds.resolve..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(INFRASTRUCTURE)
        .check(classes);
  }

  @Test
  void onlyTheEnvoySnapshotAndServeStagesImportEnvoyTypes() {
    noClasses()
        .that()
        .resideInAPackage("io.meshgate..")
        .and()
        // The edge module serves Envoy's own service protocols (rate limits, authorization);
        // testkit's ADS client speaks to meshgate as an Envoy does, for the bench and the fault
        // suite.
        .resideOutsideOfPackages(
            "io.meshgate.xds.envoy..",
            "io.meshgate.xds.snapshot..",
            "io.meshgate.xds.serve..",
            "io.meshgate.edge..",
            "io.meshgate.testkit.ads..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.envoyproxy..")
        .check(classes);
  }

  @Test
  void theIrDependsOnNoOtherStage() {
    ArchRuleDefinition.classes()
        .that()
        .resideInAPackage(IR)
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            IR,
            "io.meshgate.config.model..",
            "java..",
            "com.fasterxml.jackson..",
            "org.jspecify.annotations..")
        .because("the IR is the plain contract between resolve and envoy")
        .check(classes);
  }

  @Test
  void theResolveStageNeverReachesDownstream() {
    noClasses()
        .that()
        .resideInAPackage(RESOLVE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ENVOY, SNAPSHOT, SERVE, PIPELINE, NODE)
        .check(classes);
  }

  @Test
  void theEnvoyStageNeverReachesUpstreamOrDownstream() {
    noClasses()
        .that()
        .resideInAPackage(ENVOY)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(RESOLVE, SNAPSHOT, SERVE, PIPELINE, NODE)
        .check(classes);
  }

  @Test
  void theSnapshotStageNeverReachesUpstreamOrDownstream() {
    noClasses()
        .that()
        .resideInAPackage(SNAPSHOT)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(RESOLVE, SERVE, PIPELINE, NODE)
        .check(classes);
  }

  @Test
  void theServeStageSeesOnlySnapshots() {
    // serve reads what snapshot packed; it never translates (envoy) or resolves itself.
    noClasses()
        .that()
        .resideInAPackage(SERVE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(RESOLVE, ENVOY, PIPELINE, NODE)
        .check(classes);
  }

  @Test
  void thePipelineNeverDependsOnServingOrWiring() {
    noClasses()
        .that()
        .resideInAnyPackage(PIPELINE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(SERVE, NODE, CLI, STANDALONE)
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void onlyTheEntryPointsDependOnTheNode() {
    noClasses()
        .that()
        .resideInAPackage("io.meshgate..")
        .and()
        .resideOutsideOfPackages(NODE, CLI, STANDALONE)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(NODE)
        .because("node wires one replica together; stages are wired, they do not wire")
        .check(classes);
  }

  @Test
  void theAgentsNeverReachEtcdOrTheServer() {
    noClasses()
        .that()
        .resideInAPackage("io.meshgate.xds.agent..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.etcd..",
            "io.meshgate.xds.register..",
            "io.meshgate.xds.identity..",
            NODE,
            "io.meshgate.xds.serve..")
        .because(
            "an agent holds no etcd credentials and speaks only the registration and identity"
                + " protocols")
        .check(classes);
  }

  @Test
  void theStagesHaveNoCycles() {
    slices().matching("io.meshgate.xds.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void translationDoesNoIoAndReadsNoClockOrRandomness() {
    noClasses()
        .that()
        .resideInAnyPackage(PURE)
        .should()
        .dependOnClassesThat()
        .resideInAPackage("java.nio.file..")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.io.File")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.io.FileInputStream")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.io.FileOutputStream")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.io.FileReader")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.io.RandomAccessFile")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.time.Clock")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.Random")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.security.SecureRandom")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.concurrent.ThreadLocalRandom")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(Instant.class, "now")
        .orShould()
        .callMethod(UUID.class, "randomUUID")
        .orShould()
        .callMethod(Math.class, "random")
        .because("translation is pure: replicas must produce the same bytes from the same input")
        .check(classes);
  }

  @Test
  void translationNeverLoadsKeyMaterial() {
    // Key material is an input, loaded once at the edge; the stages see only its data types.
    // PrivateKeys reads files today and is called from resolve and envoy: this rule passes once
    // issue 17 turns it into KeyLoader (at the edge) plus plain data.
    noClasses()
        .that()
        .resideInAnyPackage(PURE)
        .should()
        .dependOnClassesThat()
        .haveNameMatching(KEY_LOADING)
        .because("translation is pure: key material is loaded at the edge and passed in as data")
        .check(classes);
  }

  @Test
  void translationNeverFetchesDiscoveryDocuments() {
    // An OIDC issuer's endpoints are an input (issuers.IssuerSnapshot), fetched at the edge.
    noClasses()
        .that()
        .resideInAnyPackage(PURE)
        .should()
        .dependOnClassesThat()
        .haveNameMatching("io\\.meshgate\\.xds\\.issuers\\.IssuerDiscovery(\\$.*)?")
        .orShould()
        .dependOnClassesThat()
        .resideInAPackage("java.net.http..")
        .because("translation is pure: discovery documents are fetched at the edge, passed as data")
        .check(classes);
  }

  @Test
  void meshBridgeNeverImportsTheServer() {
    // discovery has this rule in its own module; mesh-bridge gets its own with its first class.
    noClasses()
        .that()
        .resideInAPackage("io.meshgate.meshbridge..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.meshgate.xds..")
        .allowEmptyShould(true)
        .check(classes);
  }
}
