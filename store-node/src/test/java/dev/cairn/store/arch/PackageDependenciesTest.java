package dev.cairn.store.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The package dependencies of docs/design/storage.md (DESIGN's table), enforced. */
class PackageDependenciesTest {
  private static final String ROOT = "dev.cairn.store.";
  private static JavaClasses classes;

  /** Each package of the store and the store packages it may use (itself and support always). */
  private static final Map<String, List<String>> ALLOWED = new LinkedHashMap<>();

  static {
    ALLOWED.put("raft", List.of());
    ALLOWED.put("storage", List.of());
    ALLOWED.put("raftlog", List.of("raft", "storage"));
    ALLOWED.put("mvcc", List.of("storage"));
    ALLOWED.put("membership", List.of("storage"));
    ALLOWED.put("lease", List.of("storage"));
    ALLOWED.put("watch", List.of("mvcc"));
    ALLOWED.put("auth", List.of("storage"));
    ALLOWED.put("apply", List.of("mvcc", "watch", "lease", "membership", "auth"));
    ALLOWED.put(
        "server",
        List.of(
            "raft",
            "raftlog",
            "apply",
            "mvcc",
            "storage",
            "lease",
            "watch",
            "membership",
            "snapshot",
            "auth"));
    ALLOWED.put("snapshot", List.of("storage"));
    ALLOWED.put("api", List.of("server", "watch", "coordination", "auth", "tls", "metrics"));
    ALLOWED.put("metrics", List.of());
    ALLOWED.put("coordination", List.of());
    ALLOWED.put("config", List.of("tls"));
    ALLOWED.put("bench", List.of("tls"));
    ALLOWED.put("transport", List.of("raft", "membership", "tls"));
    // Certificates and JSSE only: every listener and tool may use it, it uses none of them.
    ALLOWED.put("tls", List.of());
  }

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.cairn.store");
  }

  @TestFactory
  Stream<DynamicTest> eachPackageUsesOnlyWhatItMay() {
    List<String> all =
        Arrays.asList(
            "raft",
            "storage",
            "raftlog",
            "mvcc",
            "membership",
            "auth",
            "apply",
            "snapshot",
            "server",
            "api",
            "transport",
            "config",
            "bench",
            "tls",
            "metrics",
            "cli");
    return ALLOWED.entrySet().stream()
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey() + " uses only " + e.getValue(),
                    () -> {
                      String[] forbidden =
                          all.stream()
                              .filter(p -> !p.equals(e.getKey()) && !e.getValue().contains(p))
                              .map(p -> ROOT + p + "..")
                              .toArray(String[]::new);
                      ArchRule rule =
                          noClasses()
                              .that()
                              .resideInAPackage(ROOT + e.getKey() + "..")
                              .should()
                              .dependOnClassesThat()
                              .resideInAnyPackage(forbidden)
                              .allowEmptyShould(true); // packages yet to be written
                      rule.check(classes);
                    }));
  }

  @Test
  void onlyStorageTouchesXodus() {
    noClasses()
        .that()
        .resideOutsideOfPackage(ROOT + "storage..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("jetbrains.exodus..")
        .check(classes);
  }

  @Test
  void theRaftCoreHasNoThreadsClockOrIo() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + "raft..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.io..", "java.nio..", "java.net..", "java.util.concurrent..", "java.time..")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName(Thread.class.getName())
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .check(classes);
  }

  @Test
  void theApiEdgeNeverReachesStorage() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + "api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            ROOT + "mvcc..", ROOT + "storage..", ROOT + "raft..", ROOT + "raftlog..")
        .check(classes);
  }
}
