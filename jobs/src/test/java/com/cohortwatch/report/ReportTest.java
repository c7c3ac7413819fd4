package com.cohortwatch.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SampleWarehouse;
import com.cohortwatch.testing.SharedSpark;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report built from the sample warehouse after two nights, then opened in headless Chromium:
 * what a browser renders must hold the top cluster and its drawn graph. The files are kept in
 * jobs/target/report-test/ to look at.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportTest {
  private static final Path OUT_DIR = SharedSpark.repoRoot().resolve("jobs/target/report-test");

  private SparkSession spark;
  private Warehouse warehouse;
  private Path html;
  private String page;
  private Report.Result result;
  private Row topCluster;

  @BeforeAll
  void buildReport() throws IOException {
    spark = SharedSpark.spark();
    warehouse = new Warehouse(spark, SampleWarehouse.path().toString());
    Files.createDirectories(OUT_DIR);
    html = OUT_DIR.resolve("report.html");
    Files.deleteIfExists(html);
    long start = System.nanoTime();
    result =
        Report.write(
            spark,
            new Report.Request(
                SampleWarehouse.path().toString(), null, Report.DEFAULT_TOP, 30, html.toString()));
    System.out.printf("ReportTest: report built in %.1f s%n", (System.nanoTime() - start) / 1e9);
    page = Files.readString(html, StandardCharsets.UTF_8);
    topCluster =
        warehouse
            .read(TableNames.CLUSTER_RISK)
            .filter(col(Cols.RUN_DATE).equalTo(lit(Date.valueOf(SampleWarehouse.LAST_NIGHT))))
            .orderBy(desc(Cols.RISK_SCORE), desc(Cols.SIZE), col(Cols.CLUSTER_ID))
            .select(Cols.CLUSTER_ID, Cols.SIZE, "working_hours_timezone")
            .first();
  }

  private static List<String> groups(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void reportsTheNewestSucceededNightWithItsNumbers() {
    assertThat(result.runDate()).isEqualTo(SampleWarehouse.LAST_NIGHT);
    assertThat(result.path()).endsWith("report-test/report.html");
    assertThat(result.bytes()).isEqualTo(html.toFile().length()).isGreaterThan(10_000);
    HtmlReportTest.assertSelfContained(page);

    Date night = Date.valueOf(SampleWarehouse.LAST_NIGHT);
    long scored =
        warehouse.read(TableNames.ACCOUNT_RISK).filter(col(Cols.RUN_DATE).equalTo(night)).count();
    assertThat(page).contains("<p>" + Html.count(scored) + " accounts scored.");
    long clusters =
        warehouse.read(TableNames.CLUSTER_RISK).filter(col(Cols.RUN_DATE).equalTo(night)).count();
    assertThat(result.clustersDrawn()).isEqualTo((int) Math.min(clusters, Report.DEFAULT_TOP));
    assertThat(groups(page, "<section class=\"cluster\" id=\"cluster-(\\d+)\""))
        .hasSize(result.clustersDrawn());

    // Every quarantine reason of the night is listed with its count.
    for (Row r :
        warehouse
            .read(TableNames.QUARANTINE)
            .filter(col(Cols.RUN_DATE).equalTo(night))
            .groupBy(Cols.SOURCE_TABLE, Cols.REASON)
            .count()
            .collectAsList()) {
      assertThat(page)
          .contains(
              "<tr><td>"
                  + Html.escape(r.getString(0))
                  + "</td><td>"
                  + Html.escape(r.getString(1))
                  + "</td><td class=\"n\">"
                  + Html.count(r.getLong(2))
                  + "</td></tr>");
    }
    // The run's own table counts: bronze logins read on the last night.
    assertThat(page).contains("<tr><td>logins</td><td class=\"n\">");

    // The top cluster comes first, with its fitted working-hours timezone in the heatmap.
    assertThat(groups(page, "data-cluster-id=\"([^\"]*)\"").get(0))
        .isEqualTo(Html.escape(topCluster.getString(0)));
    if (!topCluster.isNullAt(2)) {
      assertThat(page).contains("fitted " + Html.escape(topCluster.getString(2)));
    }
  }

  @Test
  void aDateWithoutScoresOrAnEmptyWarehouseFailsClearly(@TempDir Path empty) {
    LocalDate before = SampleWarehouse.PREVIOUS_NIGHT.minusDays(7);
    assertThatThrownBy(
            () ->
                Report.write(
                    spark,
                    new Report.Request(
                        SampleWarehouse.path().toString(),
                        before,
                        10,
                        30,
                        empty.resolve("x.html").toString())))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("no scores for run_date " + before)
        .hasMessageContaining("newest scored run_date: " + SampleWarehouse.LAST_NIGHT);
    assertThatThrownBy(
            () ->
                Report.write(
                    spark,
                    new Report.Request(
                        empty.toString(), null, 10, 30, empty.resolve("x.html").toString())))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("no scores in warehouse");
    assertThat(empty.resolve("x.html")).doesNotExist();
  }

  // ---- headless Chromium

  private static String chromium() {
    for (String candidate : new String[] {"chromium", "chromium-browser"}) {
      for (String dir :
          System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
        File f = new File(dir, candidate);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }

  private static String requireChromium() {
    String chromium = chromium();
    if (chromium == null) {
      String why =
          "chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(why + ": on CI the rendered report must be checked");
      }
      Assumptions.assumeTrue(false, why + ": skipping the browser check outside CI");
    }
    return chromium;
  }

  /** Runs headless Chromium on the report; returns its stdout. */
  private String runChromium(String chromium, Path profile, String... mode)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(chromium);
    command.add("--headless");
    command.add("--disable-gpu");
    command.add("--no-sandbox");
    command.add("--disable-dev-shm-usage");
    command.add("--no-first-run");
    command.add("--hide-scrollbars");
    command.add("--user-data-dir=" + profile);
    command.addAll(List.of(mode));
    command.add(html.toUri().toString());
    Path stdout = Files.createTempFile(profile, "stdout", ".txt");
    Path stderr = OUT_DIR.resolve("chromium-stderr.txt");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
            .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90 s: " + command);
    }
    assertThat(p.exitValue()).as("chromium exit code, see " + stderr).isZero();
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  @Test
  void headlessChromiumRendersTheTopClusterAndItsGraph(@TempDir Path profile) throws Exception {
    String chromium = requireChromium();
    long start = System.nanoTime();
    String dom = runChromium(chromium, profile, "--dump-dom");
    Files.writeString(OUT_DIR.resolve("report.dom.html"), dom, StandardCharsets.UTF_8);

    // The rendered DOM's first cluster section is the top cluster of cluster_risk.
    Matcher section =
        Pattern.compile(
                "<section class=\"cluster\" id=\"cluster-1\" data-cluster-id=\"([^\"]*)\">(.*?)</section>",
                Pattern.DOTALL)
            .matcher(dom);
    assertThat(section.find()).as("the first cluster's section in the rendered DOM").isTrue();
    assertThat(section.group(1)).isEqualTo(Html.escape(topCluster.getString(0)));
    String first = section.group(2);
    assertThat(first).contains(Html.escape(topCluster.getString(0)));

    // Its graph: an svg with account and attribute nodes and coloured edges between them.
    assertThat(first).contains("<svg class=\"cluster-graph\"");
    int accounts = groups(first, "(<circle class=\"node account\")").size();
    int attributes = groups(first, "(<circle class=\"node attribute)").size();
    int edges = groups(first, "(<line class=\"edge edge-)").size();
    assertThat(accounts)
        .isGreaterThanOrEqualTo(2)
        .isLessThanOrEqualTo(HtmlReport.MAX_GRAPH_ACCOUNTS)
        .isLessThanOrEqualTo((int) topCluster.getLong(1));
    assertThat(attributes).isBetween(1, HtmlReport.MAX_GRAPH_ATTRIBUTES);
    assertThat(edges).isGreaterThanOrEqualTo(accounts);
    // And its heatmap: 24 hour cells of logins.
    assertThat(groups(first, "(<rect class=\"cell logins\")")).hasSize(24);

    Path png = OUT_DIR.resolve("report.png");
    Files.deleteIfExists(png);
    runChromium(chromium, profile, "--screenshot=" + png, "--window-size=1280,2000");
    assertThat(png).exists();
    byte[] bytes = Files.readAllBytes(png);
    assertThat(bytes.length).isGreaterThan(10_000);
    assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    System.out.printf("ReportTest: chromium took %.1f s%n", (System.nanoTime() - start) / 1e9);
  }
}
