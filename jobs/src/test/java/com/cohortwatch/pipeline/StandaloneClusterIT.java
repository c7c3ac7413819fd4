package com.cohortwatch.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.TestFiles;
import com.cohortwatch.testing.WarehouseContents;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The thin cluster jar (our classes and ipaddress; no Spark, no Delta) on a real Spark standalone
 * cluster: bench/cluster.sh starts a master and two one-core workers on 127.0.0.1 (SPARK_HOME made
 * of the jars Maven copied at pre-integration-test) and spark-submits {@code run} on the last days
 * of data-samples/ with Delta Lake's jars from the local Maven repository as {@code --jars}, as a
 * cluster gets them from {@code --packages}. The test checks from the cluster's own records that
 * the tasks ran in the workers' executors, not in a local-mode driver, and that every data table
 * equals the one an in-process local run of the same date writes (run meanwhile, to save wall
 * time).
 */
class StandaloneClusterIT {
  private static final LocalDate DATE = LocalDate.of(2026, 11, 20);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** The thin jar, after checking that it leaves Spark, Delta and logging to the cluster. */
  static Path thinJar(Path root) throws IOException {
    Path jar = root.resolve("jobs/target/cohortwatch-thin.jar");
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
      List<String> names = zip.stream().map(java.util.zip.ZipEntry::getName).toList();
      assertThat(names).contains("com/cohortwatch/cli/Main.class");
      assertThat(names)
          .noneMatch(n -> n.startsWith("org/apache/spark/") || n.startsWith("io/delta/"))
          .noneMatch(n -> n.startsWith("scala/") || n.startsWith("org/apache/hadoop/"))
          .doesNotContain("log4j2.properties", "log4j2.xml", "log4j.properties");
    }
    // nor does the fat jar of bin/cohortwatch carry a logging configuration at its root
    try (java.util.zip.ZipFile fat =
        new java.util.zip.ZipFile(root.resolve("jobs/target/cohortwatch.jar").toFile())) {
      assertThat(fat.getEntry("log4j2.properties")).isNull();
      assertThat(fat.getEntry("cohortwatch-log4j2.properties")).isNotNull();
    }
    return jar;
  }

  /**
   * delta-spark and delta-storage, copied from the local Maven repository at pre-integration-test.
   */
  static String deltaJars(Path root) throws IOException {
    try (Stream<Path> jars = Files.list(root.resolve("jobs/target/delta-jars"))) {
      List<String> list = jars.map(Path::toString).sorted().toList();
      assertThat(list)
          .hasSize(2)
          .anyMatch(j -> j.contains("delta-spark_2.12-3.3.3"))
          .anyMatch(j -> j.contains("delta-storage-3.3.3"));
      return String.join(",", list);
    }
  }

  @Test
  void clusterRunRunsOnTheWorkersAndWritesWhatALocalRunWrites()
      throws IOException, InterruptedException {
    Path root = SharedSpark.repoRoot();
    // The samples' last five days: enough to fill every table, and both runs stay short.
    Path input = TestFiles.lastDaysOfTheSamples(dir.resolve("input"), DATE, 5);
    Path out = dir.resolve("cluster");
    Path console = dir.resolve("cluster.txt");
    ProcessBuilder builder =
        new ProcessBuilder(
                "bash",
                root.resolve("bench/cluster.sh").toString(),
                "--out",
                out.toString(),
                "--jar",
                thinJar(root).toString(),
                "--jars",
                deltaJars(root),
                "--input",
                input.toString(),
                "--sample-key",
                "--date",
                DATE.toString())
            .redirectErrorStream(true)
            .redirectOutput(console.toFile());
    builder.environment().put("CLUSTER_SUBMIT_TIMEOUT", "600");
    long t0 = System.nanoTime();
    Process cluster = builder.start();
    Path local = dir.resolve("local");
    long localSeconds;
    try {
      NightlyRun.run(
          SharedSpark.spark(),
          new RunConfig(
              input.toString(),
              local.toString(),
              DATE,
              30,
              Settings.resolve(null, Map.of()),
              true));
      localSeconds = (System.nanoTime() - t0) / 1_000_000_000L;
      assertThat(cluster.waitFor(12, TimeUnit.MINUTES)).as("cluster.sh finished").isTrue();
    } finally {
      if (cluster.isAlive()) {
        cluster.destroy(); // SIGTERM: the script's trap stops the master, workers and driver
        if (!cluster.waitFor(60, TimeUnit.SECONDS)) {
          cluster.destroyForcibly();
        }
      }
    }
    long clusterSeconds = (System.nanoTime() - t0) / 1_000_000_000L;
    String text = Files.readString(console, StandardCharsets.UTF_8);
    assertThat(cluster.exitValue()).as(text).isZero();
    assertThat(text).contains("2 workers registered").contains("account_risk");
    assertThat(text).doesNotContain("building"); // the jar and SPARK_HOME came from this build

    assertRanOnTheWorkers(out);

    Map<String, List<String>> expected =
        WarehouseContents.of(SharedSpark.spark(), local.toString());
    Map<String, List<String>> actual =
        WarehouseContents.of(SharedSpark.spark(), out.resolve("warehouse").toString());
    // Equal because both are empty would prove nothing: the samples fill every table.
    assertThat(expected)
        .allSatisfy(
            (table, rows) -> assertThat(rows).as(table).isNotEmpty().doesNotContain("<absent>"));
    SoftAssertions tables = new SoftAssertions(); // every table that differs, not just the first
    for (String table : WarehouseContents.DATA_TABLES) {
      tables
          .assertThat(actual.get(table))
          .as("%s: cluster run vs local run", table)
          .containsExactlyElementsOf(expected.get(table));
    }
    tables.assertAll();
    // For docs/BENCHMARKS.md: the two runs overlap, so the cluster's figure includes waiting.
    System.out.printf(
        "StandaloneClusterIT: local run %d s, cluster run done after %d s, checks %d s%n",
        localSeconds, clusterSeconds, (System.nanoTime() - t0) / 1_000_000_000L - clusterSeconds);
  }

  /**
   * Where the tasks ran, from the application's event log and the workers' executor logs: a
   * local-mode run would have the master "local[...]" and every task on executor "driver".
   */
  private static void assertRanOnTheWorkers(Path out) throws IOException {
    Path eventLog;
    try (Stream<Path> files = Files.list(out.resolve("events"))) {
      List<Path> logs = files.collect(Collectors.toList());
      assertThat(logs).hasSize(1);
      eventLog = logs.get(0);
    }
    assertThat(eventLog.getFileName().toString()).startsWith("app-").doesNotEndWith(".inprogress");
    String master = null;
    List<String> executorsAdded = new ArrayList<>();
    Map<String, Integer> tasksPerExecutor = new TreeMap<>();
    for (String line : Files.readAllLines(eventLog, StandardCharsets.UTF_8)) {
      JsonNode event = JSON.readTree(line);
      switch (event.path("Event").asText()) {
        case "SparkListenerEnvironmentUpdate" ->
            master = event.path("Spark Properties").path("spark.master").asText();
        case "SparkListenerExecutorAdded" -> {
          executorsAdded.add(event.path("Executor ID").asText());
          assertThat(event.path("Executor Info").path("Host").asText()).isEqualTo("127.0.0.1");
        }
        case "SparkListenerTaskEnd" -> {
          if (event.path("Task End Reason").path("Reason").asText().equals("Success")) {
            tasksPerExecutor.merge(
                event.path("Task Info").path("Executor ID").asText(), 1, Integer::sum);
          }
        }
        default -> {}
      }
    }
    assertThat(master).startsWith("spark://127.0.0.1:");
    assertThat(executorsAdded).hasSize(2).doesNotContain("driver");
    assertThat(tasksPerExecutor.keySet()).containsExactlyInAnyOrderElementsOf(executorsAdded);
    assertThat(tasksPerExecutor.values()).allSatisfy(n -> assertThat(n).isGreaterThan(10));

    // Each worker launched one executor, in its own work dir, and that executor finished tasks.
    for (String worker : List.of("work-1", "work-2")) {
      List<Path> stderrs;
      try (Stream<Path> files = Files.walk(out.resolve(worker))) {
        stderrs =
            files
                .filter(f -> f.getFileName().toString().equals("stderr"))
                .collect(Collectors.toList());
      }
      assertThat(stderrs).as(worker).hasSize(1);
      long finished =
          Files.readAllLines(stderrs.get(0), StandardCharsets.UTF_8).stream()
              .filter(l -> l.contains("Finished task"))
              .count();
      assertThat(finished).as("tasks finished by the executor of %s", worker).isGreaterThan(10);
    }
  }
}
