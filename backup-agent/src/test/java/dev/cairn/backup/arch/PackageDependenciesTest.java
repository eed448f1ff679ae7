package dev.cairn.backup.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's layering: pure manifest and retention code at the bottom, one package per outside
 * system (the cluster, object storage), jobs over them, the command line on top.
 */
class PackageDependenciesTest {
  private static final String ROOT = "dev.cairn.backup.";
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.cairn.backup");
  }

  @Test
  void manifestAndRetentionArePure() {
    noClasses()
        .that()
        .resideInAnyPackage(ROOT + "manifest..", ROOT + "retention..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + "objectstore..",
            ROOT + "snapshot..",
            ROOT + "job..",
            ROOT + "cli..",
            "software.amazon..",
            "io.etcd..",
            "dev.cairn.store..",
            "java.nio.file..",
            "java.net..")
        .check(classes);
  }

  @Test
  void onlyObjectstoreUsesTheS3Sdk() {
    noClasses()
        .that()
        .resideOutsideOfPackage(ROOT + "objectstore..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("software.amazon..")
        .check(classes);
  }

  @Test
  void onlySnapshotTalksToTheCluster() {
    noClasses()
        .that()
        .resideOutsideOfPackage(ROOT + "snapshot..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.etcd..", "io.grpc..", "io.netty..")
        .check(classes);
  }

  @Test
  void nothingBelowTheCommandLineUsesIt() {
    noClasses()
        .that()
        .resideOutsideOfPackage(ROOT + "cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ROOT + "cli..", "picocli..")
        .check(classes);
  }
}
