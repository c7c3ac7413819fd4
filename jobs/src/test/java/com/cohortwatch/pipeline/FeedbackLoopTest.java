package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.detect.Feedback;
import com.cohortwatch.io.Exporter;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SampleWarehouse;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Date;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The moderation feed and the feedback loop on a copy of the sample warehouse (data-samples/ after
 * two nights): the feed since the first night; the second night published again from the same
 * rollups (delete + insert of identical rows); then decisions/ gains a clearing of a flagged
 * account and a confirmation in another cluster, and the second night is run again.
 */
class FeedbackLoopTest {
  static final LocalDate D1 = SampleWarehouse.PREVIOUS_NIGHT;
  static final LocalDate D2 = SampleWarehouse.LAST_NIGHT;
  static final String DECIDED_AT = D2 + "T23:59:59Z";

  @TempDir static Path dir;
  static Warehouse warehouse;
  static Map<String, Row> night1;
  static Map<String, Row> night2;
  static Map<String, Row> night2Rerun;
  static Map<String, Row> night2Decided;
  static Map<String, Row> clusters2;
  static Map<String, Row> clusters2Decided;
  static long afterNight2;
  static long afterRerun;
  static List<JsonNode> feedSinceNight1;
  static List<JsonNode> feedSinceNight1AfterRerun;
  static List<JsonNode> feedSinceNight2Version;
  static List<JsonNode> feedOfTheDecisions;
  static ModerationFeed.Result emptyAtLatest;
  static List<String> decisionLines;
  static String cleared;
  static String confirmed;
  static String confirmedCluster;
  static RunMetrics decidedRun;

  @BeforeAll
  static void nights() throws IOException {
    SparkSession spark = SharedSpark.spark();
    // Copies: the shared sample warehouse and data-samples/ stay as they are.
    Path input = dir.resolve("data-samples");
    TestFiles.copyTree(SharedSpark.repoRoot().resolve("data-samples"), input);
    TestFiles.copyTree(SampleWarehouse.path(), dir.resolve("wh"));
    RunConfig config =
        new RunConfig(
            input.toString(),
            dir.resolve("wh").toString(),
            D2,
            30,
            Settings.resolve(null, Map.of()),
            true);
    warehouse = new Warehouse(spark, config.warehouse());
    night1 = accountRisk(D1);
    night2 = accountRisk(D2);
    clusters2 = clusterRisk(D2);
    afterNight2 = latestVersion();
    feedSinceNight1 = feed(ModerationFeed.Since.date(D1), "since-night1.jsonl");

    // The second night's gold tables published again from the same rollups and inputs.
    DetectStage.scoreAndPublish(spark, config, warehouse, new RunMetrics(D2, "test"));
    night2Rerun = accountRisk(D2);
    afterRerun = latestVersion();
    feedSinceNight1AfterRerun = feed(ModerationFeed.Since.date(D1), "since-night1-again.jsonl");
    feedSinceNight2Version = feed(ModerationFeed.Since.version(afterNight2), "since-v.jsonl");
    emptyAtLatest =
        ModerationFeed.export(
            spark,
            warehouse,
            ModerationFeed.Since.version(afterRerun),
            Exporter.Format.JSONL,
            dir.resolve("at-latest.jsonl").toString());

    // Review: clear an account flagged on both nights, confirm a member of another cluster; neither
    // has a decision yet, and the other cluster has no confirmed member yet.
    Path decisions = input.resolve("decisions/decisions.jsonl");
    Set<String> decided = new HashSet<>();
    for (String line : Files.readAllLines(decisions)) {
      if (!line.isBlank()) {
        decided.add(new ObjectMapper().readTree(line).get(Cols.ACCOUNT_ID).asText());
      }
    }
    Set<String> boosted =
        clusters2.values().stream()
            .filter(c -> codes(c).contains(Feedback.CONFIRMED_MEMBER))
            .map(c -> c.<String>getAs(Cols.CLUSTER_ID))
            .collect(Collectors.toSet());
    Row flagged =
        night2.values().stream()
            .filter(r -> isFlagged(r) && r.getAs(Cols.CLUSTER_ID) != null)
            .filter(r -> !decided.contains(r.<String>getAs(Cols.ACCOUNT_ID)))
            .filter(r -> night1.containsKey(r.<String>getAs(Cols.ACCOUNT_ID)))
            .filter(r -> isFlagged(night1.get(r.<String>getAs(Cols.ACCOUNT_ID))))
            .min((a, b) -> a.<String>getAs(Cols.ACCOUNT_ID).compareTo(b.getAs(Cols.ACCOUNT_ID)))
            .orElseThrow();
    cleared = flagged.getAs(Cols.ACCOUNT_ID);
    Map<String, List<Row>> byCluster =
        night2.values().stream()
            .filter(r -> r.getAs(Cols.CLUSTER_ID) != null)
            .collect(Collectors.groupingBy(r -> r.<String>getAs(Cols.CLUSTER_ID)));
    confirmedCluster =
        byCluster.keySet().stream()
            .filter(c -> !c.equals(flagged.getAs(Cols.CLUSTER_ID)) && !boosted.contains(c))
            .filter(c -> clusters2.get(c).<Double>getAs(Cols.RISK_SCORE) < 0.999)
            .filter(
                c ->
                    byCluster.get(c).stream()
                        .noneMatch(r -> decided.contains(r.<String>getAs(Cols.ACCOUNT_ID))))
            .sorted()
            .findFirst()
            .orElseThrow();
    confirmed =
        byCluster.get(confirmedCluster).stream()
            .map(r -> r.<String>getAs(Cols.ACCOUNT_ID))
            .sorted()
            .findFirst()
            .orElseThrow();
    String existing = Files.readString(decisions);
    Files.writeString(
        decisions,
        (existing.isEmpty() || existing.endsWith("\n") ? "" : "\n")
            + String.format(
                "{\"account_id\":\"%s\",\"decision\":\"cleared\",\"decided_at\":\"%s\",\"reviewer\":\"r1\"}%n"
                    + "{\"account_id\":\"%s\",\"decision\":\"confirmed\",\"decided_at\":\"%s\"}%n",
                cleared, DECIDED_AT, confirmed, DECIDED_AT),
        StandardOpenOption.APPEND);
    decisionLines = Files.readAllLines(decisions);
    decidedRun = NightlyRun.run(spark, config);
    night2Decided = accountRisk(D2);
    clusters2Decided = clusterRisk(D2);
    feedOfTheDecisions = feed(ModerationFeed.Since.version(afterRerun), "decisions.jsonl");
  }

  static List<String> codes(Row r) {
    return r.<Row>getList(r.fieldIndex(Cols.REASONS)).stream()
        .map(x -> x.<String>getAs(Cols.CODE))
        .collect(Collectors.toList());
  }

  static boolean isFlagged(Row r) {
    return List.of("high", "critical").contains(r.<String>getAs(Cols.RISK_TIER));
  }

  static Map<String, Row> accountRisk(LocalDate date) {
    return warehouse
        .read(TableNames.ACCOUNT_RISK)
        .filter(col(Cols.RUN_DATE).equalTo(Date.valueOf(date)))
        .collectAsList()
        .stream()
        .collect(Collectors.toMap(r -> r.getAs(Cols.ACCOUNT_ID), r -> r));
  }

  static Map<String, Row> clusterRisk(LocalDate date) {
    return warehouse
        .read(TableNames.CLUSTER_RISK)
        .filter(col(Cols.RUN_DATE).equalTo(Date.valueOf(date)))
        .collectAsList()
        .stream()
        .collect(Collectors.toMap(r -> r.getAs(Cols.CLUSTER_ID), r -> r));
  }

  static long latestVersion() {
    return new com.cohortwatch.io.ChangeFeed(
            SharedSpark.spark(), warehouse, TableNames.ACCOUNT_RISK)
        .latestVersion();
  }

  static List<JsonNode> feed(ModerationFeed.Since since, String file) throws IOException {
    Path out = dir.resolve("feed").resolve(file);
    ModerationFeed.Result r =
        ModerationFeed.export(
            SharedSpark.spark(), warehouse, since, Exporter.Format.JSONL, out.toString());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      if (!line.isBlank()) {
        records.add(json.readTree(line));
      }
    }
    assertThat(records).hasSize((int) r.rows());
    return records;
  }

  /** What changed from one set of rows to the next, computed here on the driver: id -> change. */
  static Map<String, String> expectedChanges(Map<String, Row> before, Map<String, Row> after) {
    Map<String, String> expected = new TreeMap<>();
    after.forEach(
        (id, now) -> {
          Row was = before.get(id);
          if (was == null) {
            expected.put(id, "new");
          } else if (!was.getAs(Cols.RISK_TIER).equals(now.getAs(Cols.RISK_TIER))
              || Math.abs(was.<Double>getAs(Cols.RISK_SCORE) - now.<Double>getAs(Cols.RISK_SCORE))
                  > 1e-9) {
            expected.put(id, "changed");
          }
        });
    return expected;
  }

  static Map<String, String> changes(List<JsonNode> feed) {
    Map<String, String> m = new TreeMap<>();
    feed.forEach(n -> m.put(n.get(Cols.ACCOUNT_ID).asText(), n.get(Cols.CHANGE).asText()));
    return m;
  }

  @Test
  void feedSinceTheFirstNightHasExactlyTheAccountsWhoseTierOrScoreChanged() {
    Map<String, String> expected = expectedChanges(night1, night2);
    assertThat(expected).containsValue("changed");
    assertThat(expected.size()).isLessThan(night2.size()); // some accounts did not change
    assertThat(changes(feedSinceNight1)).isEqualTo(expected);
    for (JsonNode n : feedSinceNight1) {
      String id = n.get(Cols.ACCOUNT_ID).asText();
      Row now = night2.get(id);
      assertThat(n.get(Cols.RISK_TIER).asText()).isEqualTo(now.getAs(Cols.RISK_TIER));
      assertThat(n.get(Cols.RISK_SCORE).asDouble()).isEqualTo(now.<Double>getAs(Cols.RISK_SCORE));
      assertThat(n.get(Cols.RUN_DATE).asText()).isEqualTo(D2.toString());
      assertThat(n.get(Cols.TABLE_VERSION).asLong()).isEqualTo(afterNight2);
      Row was = night1.get(id);
      if (was == null) {
        assertThat(n.get(Cols.PREVIOUS_TIER).isNull()).isTrue();
        assertThat(n.get(Cols.PREVIOUS_SCORE).isNull()).isTrue();
      } else {
        assertThat(n.get(Cols.PREVIOUS_TIER).asText()).isEqualTo(was.getAs(Cols.RISK_TIER));
        assertThat(n.get(Cols.PREVIOUS_SCORE).asDouble())
            .isEqualTo(was.<Double>getAs(Cols.RISK_SCORE));
        assertThat(n.get(Cols.PREVIOUS_RUN_DATE).asText()).isEqualTo(D1.toString());
      }
      assertThat(n.get(Cols.REASONS).isArray()).isTrue();
      assertThat(n.has(Cols.CLUSTER_ID)).isTrue();
    }
  }

  @Test
  void aRerunWithUnchangedInputAddsNoChanges() {
    assertThat(night2Rerun).isEqualTo(night2);
    assertThat(afterRerun).isGreaterThan(afterNight2); // the rerun did commit (delete + insert)
    assertThat(feedSinceNight2Version).isEmpty();
    assertThat(changes(feedSinceNight1AfterRerun)).isEqualTo(changes(feedSinceNight1));
    assertThat(emptyAtLatest.rows()).isZero();
    assertThat(emptyAtLatest.toVersion()).isEqualTo(afterRerun);
  }

  @Test
  void clearingAFlaggedAccountDropsItBelowHighInTheNextRun() {
    assertThat(isFlagged(night2.get(cleared))).isTrue();
    Row now = night2Decided.get(cleared);
    assertThat(now.<String>getAs(Cols.RISK_TIER)).isIn("low", "medium");
    assertThat(now.<Double>getAs(Cols.RISK_SCORE)).isLessThanOrEqualTo(0.59);
    Row reason = now.<Row>getList(now.fieldIndex(Cols.REASONS)).get(0);
    assertThat(reason.<String>getAs(Cols.CODE)).isEqualTo(Feedback.CLEARED_BY_REVIEW);
    assertThat(reason.<String>getAs(Cols.TEXT)).contains("cleared by review on 2026-11-20");
  }

  @Test
  void confirmingAMemberRaisesItsClusterAndEveryMember() {
    double before = clusters2.get(confirmedCluster).getAs(Cols.RISK_SCORE);
    Row after = clusters2Decided.get(confirmedCluster);
    double now = after.getAs(Cols.RISK_SCORE);
    assertThat(now).isGreaterThan(before);
    double logitBefore = Math.log(before / (1 - before));
    double logitNow = Math.log(now / (1 - now));
    assertThat(logitNow - logitBefore).isCloseTo(2.0, within(1e-6));
    Row first = after.<Row>getList(after.fieldIndex(Cols.REASONS)).get(0);
    assertThat(first.<String>getAs(Cols.CODE)).isEqualTo(Feedback.CONFIRMED_MEMBER);
    List<String> members =
        night2.values().stream()
            .filter(r -> confirmedCluster.equals(r.getAs(Cols.CLUSTER_ID)))
            .map(r -> r.<String>getAs(Cols.ACCOUNT_ID))
            .collect(Collectors.toList());
    assertThat(members).contains(confirmed);
    for (String m : members) {
      Row r = night2Decided.get(m);
      assertThat(r.<Double>getAs(Cols.RISK_SCORE))
          .as(m)
          .isGreaterThan(night2.get(m).<Double>getAs(Cols.RISK_SCORE));
      assertThat(r.<Row>getList(r.fieldIndex(Cols.REASONS)))
          .anySatisfy(x -> assertThat(x.<String>getAs(Cols.CODE)).isEqualTo("CONFIRMED_MEMBER"));
    }
    // Nobody else moved.
    night2.forEach(
        (id, was) -> {
          if (!members.contains(id) && !id.equals(cleared)) {
            assertThat(night2Decided.get(id).<Double>getAs(Cols.RISK_SCORE))
                .as(id)
                .isEqualTo(was.<Double>getAs(Cols.RISK_SCORE));
          }
        });
  }

  @Test
  void theFeedCarriesExactlyWhatTheDecisionsChanged() {
    Map<String, String> expected = expectedChanges(night2Rerun, night2Decided);
    assertThat(expected).containsEntry(cleared, "changed").containsEntry(confirmed, "changed");
    assertThat(changes(feedOfTheDecisions)).isEqualTo(expected);
    JsonNode c =
        feedOfTheDecisions.stream()
            .filter(n -> n.get(Cols.ACCOUNT_ID).asText().equals(cleared))
            .findFirst()
            .orElseThrow();
    assertThat(c.get(Cols.PREVIOUS_TIER).asText()).isIn("high", "critical");
    assertThat(c.get(Cols.REASONS).get(0).get(Cols.CODE).asText())
        .isEqualTo(Feedback.CLEARED_BY_REVIEW);
  }

  @Test
  void flagPrecisionOfPastFlagsIsInTheRunReportAndRunMetrics() throws IOException {
    // Each account's latest decision; counted when taken after the day of its first-night flag.
    Map<String, JsonNode> latest = new TreeMap<>();
    for (String line : decisionLines) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode d = new ObjectMapper().readTree(line);
      String id = d.get(Cols.ACCOUNT_ID).asText();
      JsonNode was = latest.get(id);
      if (was == null
          || Instant.parse(d.get(Cols.DECIDED_AT).asText())
              .isAfter(Instant.parse(was.get(Cols.DECIDED_AT).asText()))) {
        latest.put(id, d);
      }
    }
    Instant afterFlag = D1.plusDays(1).atStartOfDay().toInstant(java.time.ZoneOffset.UTC);
    long decided = 0;
    long confirmedFlags = 0;
    for (JsonNode d : latest.values()) {
      Row flag = night1.get(d.get(Cols.ACCOUNT_ID).asText());
      if (flag != null
          && isFlagged(flag)
          && !Instant.parse(d.get(Cols.DECIDED_AT).asText()).isBefore(afterFlag)) {
        decided++;
        confirmedFlags += d.get(Cols.DECISION).asText().equals("confirmed") ? 1 : 0;
      }
    }
    assertThat(decided).isPositive(); // the cleared account was flagged on the first night
    assertThat(decidedRun.decidedFlags()).isEqualTo(decided);
    assertThat(decidedRun.flagPrecision()).isEqualTo((double) confirmedFlags / decided);
    assertThat(decidedRun.summaryTable()).contains("flag precision: ");
    Row metrics =
        warehouse
            .read(TableNames.RUN_METRICS)
            .filter(col(Schemas.RUN_ID).equalTo(decidedRun.runId()))
            .filter(col(Schemas.STATUS).equalTo(RunMetrics.SUCCEEDED))
            .first();
    assertThat(metrics.<Long>getAs(Schemas.DECIDED_FLAGS)).isEqualTo(decided);
    assertThat(metrics.<Double>getAs(Schemas.FLAG_PRECISION))
        .isEqualTo((double) confirmedFlags / decided);
  }
}
