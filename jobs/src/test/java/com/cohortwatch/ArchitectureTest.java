package com.cohortwatch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.cohortwatch.detect.GraphEngine;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package rules, checked on the compiled main classes: layers point one way (command line, then
 * pipeline, then stages and steps, then names, settings and values), detection steps do no I/O, one
 * adapter owns GraphX, and the product does not depend on its tools.
 */
class ArchitectureTest {
  private static final String ROOT = "com.cohortwatch.";
  private static final String CLI = ROOT + "cli..";
  private static final String[] TOOLS = {
    ROOT + "generate..", ROOT + "eval..", ROOT + "bench..", ROOT + "train.."
  };
  private static final String[] STAGES_AND_ABOVE = {
    CLI,
    ROOT + "pipeline..",
    ROOT + "ingest..",
    ROOT + "detect..",
    ROOT + "report..",
    ROOT + "retention..",
    ROOT + "metrics..",
    ROOT + "io..",
    ROOT + "generate..",
    ROOT + "eval..",
    ROOT + "bench..",
    ROOT + "train.."
  };

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
          .importPackages("com.cohortwatch");

  @Test
  void theMainClassesAreThere() {
    // A rule over no classes passes whatever it says: fail instead if the import finds none.
    org.assertj.core.api.Assertions.assertThat(MAIN.size()).isGreaterThan(50);
    org.assertj.core.api.Assertions.assertThat(MAIN.contain(GraphEngine.class)).isTrue();
  }

  @Test
  void noTwoPackagesDependOnEachOther() {
    slices()
        .matching("com.cohortwatch.(*)..")
        .should()
        .beFreeOfCycles()
        .because(
            "a package that needs another which needs it back cannot be read, tested or moved alone")
        .check(MAIN);
  }

  @Test
  void onlyTheCommandLineDependsOnTheCommandLine() {
    noClasses()
        .that()
        .resideOutsideOfPackage(CLI)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(CLI)
        .because("the pipeline runs the same under spark-submit, Airflow and the tests")
        .check(MAIN);
  }

  @Test
  void namesSettingsAndValuesDependOnNoStage() {
    noClasses()
        .that()
        .resideInAnyPackage(
            ROOT + "schema..", ROOT + "config..", ROOT + "spark..", ROOT + "values..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(STAGES_AND_ABOVE)
        .because("every layer above reads them; they are the bottom of the graph")
        .check(MAIN);
  }

  @Test
  void detectionStepsDoNoIo() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + "detect..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            CLI,
            ROOT + "pipeline..",
            ROOT + "ingest..",
            ROOT + "io..",
            ROOT + "metrics..",
            ROOT + "retention..",
            ROOT + "report..")
        .because("steps are Dataset-to-Dataset functions tested on a few rows; I/O is at the edges")
        .check(MAIN);
  }

  @Test
  void theReportReadsTablesNotSteps() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + "report..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ROOT + "detect..", ROOT + "ingest..", ROOT + "pipeline..")
        .because(
            "the report shows what the published tables say, and must not recompute what the"
                + " steps did")
        .check(MAIN);
  }

  @Test
  void oneAdapterOwnsGraphX() {
    noClasses()
        .that()
        .doNotBelongToAnyOf(GraphEngine.class)
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.apache.spark.graphx..")
        .because("the graph engine can then be swapped in one class")
        .check(MAIN);
  }

  @Test
  void theProductDoesNotDependOnItsTools() {
    String[] toolsAndCli = new String[TOOLS.length + 1];
    System.arraycopy(TOOLS, 0, toolsAndCli, 0, TOOLS.length);
    toolsAndCli[TOOLS.length] = CLI;
    noClasses()
        .that()
        .resideOutsideOfPackages(toolsAndCli)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(TOOLS)
        .because(
            "the generator, the evaluation, the naive peer and the training serve the product;"
                + " the nightly job needs none of them")
        .check(MAIN);
  }
}
