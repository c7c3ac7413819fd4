package com.cohortwatch.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.testing.SharedSpark;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Airflow DAG in jobs/schedule/, loaded without Airflow by python3 (dag_check.py runs it
 * against stand-ins for Airflow 2's and Airflow 3's modules and records what it builds): the task
 * graph, the timetable, the templates each task passes, and what Airflow 3 removed. python3 is on
 * the project's machines; without it the test is skipped locally and fails on CI.
 */
class DagFileTest {
  private static final Path DAG =
      SharedSpark.repoRoot().resolve("jobs/schedule/cohortwatch_nightly.py");
  private static final Path CHECK =
      SharedSpark.repoRoot().resolve("jobs/src/test/resources/dag_check.py");
  private static JsonNode shape;

  @BeforeAll
  static void load() throws IOException, InterruptedException {
    Process p;
    try {
      p =
          new ProcessBuilder("python3", CHECK.toString(), DAG.toString())
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException noPython) {
      Assumptions.assumeFalse(
          "true".equals(System.getenv("CI")), "python3 is required on CI: " + noPython);
      Assumptions.abort("python3 not found; the DAG check needs it");
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("dag_check.py failed: %s", err).isZero();
    shape = new ObjectMapper().readTree(out);
  }

  private static List<String> strings(JsonNode node) {
    List<String> list = new ArrayList<>();
    node.forEach(n -> list.add(n.asText()));
    return list;
  }

  private static String arg(JsonNode task, String flag) {
    List<String> args = strings(task.get("kwargs").get("application_args"));
    int i = args.indexOf(flag);
    assertThat(i).as("%s in %s", flag, args).isGreaterThanOrEqualTo(0);
    return args.get(i + 1);
  }

  @Test
  void airflow2And3BuildTheSameGraph() {
    JsonNode two = shape.get("airflow2");
    JsonNode three = shape.get("airflow3");
    assertThat(three.get("edges")).isEqualTo(two.get("edges"));
    assertThat(three.get("tasks")).isEqualTo(two.get("tasks"));
    List<String> edges = new ArrayList<>();
    two.get("edges").forEach(e -> edges.add(e.get(0).asText() + ">>" + e.get(1).asText()));
    assertThat(edges)
        .containsExactlyInAnyOrder(
            "score>>feed",
            "score>>report",
            "feed>>purge_day",
            "report>>purge_day",
            "purge_day>>purge");
    // purge only on Sundays: the gate before it skips it on other days
    assertThat(two.get("checks").get("purge_on_sunday").asBoolean()).isTrue();
    assertThat(two.get("checks").get("purge_on_monday").asBoolean()).isFalse();
  }

  @Test
  void anExplicitDataIntervalTimetableAndAFailureCallback() {
    JsonNode dag = shape.get("airflow3");
    assertThat(dag.get("schedule").get("class").asText()).isEqualTo("CronDataIntervalTimetable");
    assertThat(dag.get("schedule").get("cron").asText()).isEqualTo("30 2 * * *");
    assertThat(dag.get("schedule").get("timezone").asText()).contains("UTC");
    assertThat(dag.get("dag").get("max_active_runs").asInt()).isEqualTo(1);
    assertThat(dag.get("dag").get("default_args").get("on_failure_callback").asText())
        .startsWith("callable:");
  }

  @Test
  void everyDateIsADataIntervalTemplateAndNothingAirflow3Removed() throws IOException {
    JsonNode tasks = shape.get("airflow3").get("tasks");
    String day = "{{ data_interval_start | ds }}";
    assertThat(arg(tasks.get("score"), "--date")).isEqualTo(day);
    assertThat(arg(tasks.get("report"), "--date")).isEqualTo(day);
    assertThat(arg(tasks.get("feed"), "--changes-since"))
        .isEqualTo("{{ (data_interval_start - macros.timedelta(days=1)) | ds }}");
    assertThat(arg(tasks.get("purge"), "--before"))
        .contains("data_interval_start")
        .endsWith("| ds }}");
    // Airflow 3 removed these; `ds` alone is the run's start day under a cron schedule there
    Matcher templates = Pattern.compile("\\{\\{(.*?)\\}\\}").matcher(Files.readString(DAG));
    while (templates.find()) {
      assertThat(templates.group(1))
          .doesNotContainPattern(
              "\\b(prev_ds|next_ds|yesterday_ds|tomorrow_ds|execution_date|prev_execution_date"
                  + "|next_execution_date|prev_ds_nodash|next_ds_nodash)\\b")
          .doesNotMatch("\\s*ds\\s*");
    }
  }

  @Test
  void theFeedKeepsItsCursorBesideItsOutput() {
    JsonNode feed = shape.get("airflow2").get("tasks").get("feed");
    String cursor = arg(feed, "--cursor-file");
    String out = arg(feed, "--out");
    assertThat(cursor.substring(0, cursor.lastIndexOf('/')))
        .isEqualTo(out.substring(0, out.lastIndexOf('/')));
  }

  @Test
  void variablesAreTemplatesAndTheKeyComesFromAConnection() {
    assertThat(shape.get("variable_get_lines")).isEmpty();
    assertThat(strings(shape.get("imported_names"))).doesNotContain("Variable");
    JsonNode tasks = shape.get("airflow2").get("tasks");
    for (String task : List.of("score", "feed", "report", "purge")) {
      JsonNode kwargs = tasks.get(task).get("kwargs");
      assertThat(kwargs.get("application").asText()).startsWith("{{ var.value.get(");
      assertThat(kwargs.get("env_vars").get("COHORTWATCH_HMAC_KEY").asText())
          .matches("\\{\\{ conn\\.[a-z_]+\\.password \\}\\}");
      assertThat(kwargs.get("packages").asText()).isEqualTo("io.delta:delta-spark_2.12:3.3.3");
      assertThat(kwargs.toString()).doesNotContainIgnoringCase("hmac-key");
      // in cluster mode the key travels in Spark's configuration: its name must be redacted
      assertThat(kwargs.get("conf").get("spark.redaction.regex").asText()).contains("hmac");
    }
  }
}
