package io.meshgate.discovery;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Discovery feeds the server; it never reaches into it. xds-node is not on this module's classpath,
 * so the rule guards against a dependency added later (or a class copied in by package name).
 */
class LayeringTest {
  @Test
  void discoveryNeverImportsTheServer() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.meshgate.discovery");
    noClasses()
        .that()
        .resideInAPackage("io.meshgate.discovery..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.meshgate.xds..")
        .check(classes);
  }
}
