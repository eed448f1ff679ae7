package dev.cairn.store.coordination;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The election and lock services are pure clients of etcd's API, as etcd's own are: they may use
 * the generated etcd protos and gRPC, and no other class of the store, so they run over a real etcd
 * as well as over Cairn.
 */
class CoordinationDependenciesTest {
  @Test
  void usesNoOtherStoreClass() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.store.coordination..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("dev.cairn.store..")
                .and(not(resideInAPackage("dev.cairn.store.coordination.."))))
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.cairn.store.coordination"));
  }
}
