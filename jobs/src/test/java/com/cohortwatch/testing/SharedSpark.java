package com.cohortwatch.testing;

import com.cohortwatch.spark.Sessions;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;

/**
 * One SparkSession per test JVM: starting Spark and Delta costs seconds, so every test shares it.
 */
public final class SharedSpark {
  private static SparkSession session;

  private SharedSpark() {}

  public static synchronized SparkSession spark() {
    if (session == null) {
      session =
          Sessions.deltaBuilder("cohortwatch-tests")
              .master("local[2]")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.default.parallelism", "2")
              .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")
              .config("spark.databricks.delta.snapshotPartitions", "1")
              .config("spark.sql.adaptive.coalescePartitions.initialPartitionNum", "2")
              // Test rows are a handful, so a query's cost is planning it, not running it: without
              // generated code (Janino) a test took about a quarter less CPU (docs/BENCHMARKS.md),
              // and adaptive re-planning after every shuffle only adds planning. Results depend on
              // neither (Spark's own suites run expressions both ways), and StandaloneClusterIT
              // runs the jar with both on and compares its tables with an in-process run here.
              .config("spark.sql.adaptive.enabled", "false")
              .config("spark.sql.codegen.wholeStage", "false")
              .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .getOrCreate();
      session.sparkContext().setLogLevel("WARN");
    }
    return session;
  }

  /** The repository root, for tests that read data-samples/ or notebooks-export/. */
  public static Path repoRoot() {
    String root = System.getProperty("cohortwatch.repo.root");
    return root != null ? Paths.get(root) : Paths.get("..").toAbsolutePath().normalize();
  }
}
