package io.meshgate.xds;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
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
        .resideOutsideOfPackages(
            "io.meshgate.xds.envoy..", "io.meshgate.xds.snapshot..", "io.meshgate.xds.serve..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.envoyproxy..")
        .check(classes);
  }
}
