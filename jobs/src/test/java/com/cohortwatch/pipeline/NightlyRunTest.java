package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.ingest.Reasons;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nightly job end to end on a small hand-made input in all three formats: exact quarantine by
 * reason, deduplication, late data, gold tables, and a rerun that changes nothing.
 */
class NightlyRunTest {
  static final LocalDate D1 = LocalDate.of(2026, 11, 19);
  static final LocalDate D2 = LocalDate.of(2026, 11, 20);

  @TempDir static Path dir;
  static Path input;
  static Path warehouseDir;
  static RunMetrics first;
  static Map<String, List<String>> afterFirst;
  static Map<String, List<String>> afterRerun;
  static RunMetrics rerun;

  static void write(Path file, String... lines) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, String.join("\n", lines) + "\n");
  }

  static String login(String id, String account, String time, String ip, String device) {
    return String.format(
        "{\"event_id\":\"%s\",\"account_id\":\"%s\",\"event_time\":\"%s\",\"ip\":\"%s\",\"device_id\":\"%s\"}",
        id, account, time, ip, device);
  }

  @BeforeAll
  static void runTwice() throws IOException {
    SparkSession spark = SharedSpark.spark();
    input = dir.resolve("in");
    warehouseDir = dir.resolve("wh");
    List<String> accounts = new ArrayList<>();
    String[][] claims = {
      {"US", "America/New_York"},
      {"JP", "Asia/Tokyo"},
      {"PL", "Europe/Warsaw"},
      {"CA", "America/Toronto"}
    };
    for (int i = 0; i < 4; i++) {
      accounts.add(
          String.format(
              "{\"account_id\":\"r%d\",\"created_at\":\"2026-10-0%dT00:00:00Z\",\"claimed_country\":\"%s\",\"claimed_timezone\":\"%s\"}",
              i, i + 1, claims[i][0], claims[i][1]));
    }
    accounts.add(
        "{\"account_id\":\"u1\",\"created_at\":\"2024-01-01T00:00:00+09:00\",\"claimed_country\":\"jp\",\"claimed_timezone\":\"Asia/Tokyo\"}");
    accounts.add("{\"account_id\":\"u2\",\"created_at\":\"2026-02-30T00:00:00Z\"}"); // impossible
    accounts.add("{\"account_id\":\"u3\",\"created_at\":\"2025-01-01T00:00:00Z\""); // truncated
    write(input.resolve("accounts/accounts.jsonl"), accounts.toArray(new String[0]));

    List<String> day1 = new ArrayList<>();
    int n = 0;
    for (int d = 0; d < 2; d++) {
      for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 4; k++) {
          String t = String.format("2026-11-%02dT0%d:%02d:00Z", 18 + d, 1 + 2 * k, i);
          day1.add(login("e" + (n++), "r" + i, t, "203.0.113.9", "dev-" + (i % 2)));
        }
      }
    }
    day1.add(login("u1a", "u1", "2026-11-19T10:00:00+09:00", "2001:DB8:0:0::1", "du1"));
    day1.add(
        login("u1a", "u1", "2026-11-19T10:00:00+09:00", "2001:DB8:0:0::1", "du1")); // duplicate
    day1.add(login("bad1", "u1", "2026-11-19T10:00:00Z", "999.1.1.1", "du1"));
    day1.add(login("bad2", "", "2026-11-19T10:00:00Z", "198.51.100.1", "du1"));
    day1.add(login("bad3", "u1", "2099-11-19T10:00:00Z", "198.51.100.1", "du1"));
    day1.add(login("bad4", "u1", "2026-02-30T10:00:00Z", "198.51.100.1", "du1"));
    day1.add("{\"event_id\":\"bad5\",\"account_id\":\"u1\",\"event_ti");
    day1.add(
        String.format(
            "{\"event_id\":\"long\",\"account_id\":\"u1\",\"event_time\":\"2026-11-19T11:00:00Z\",\"ip\":\" ::ffff:198.51.100.7 \",\"user_agent\":\"%s\"}",
            "x".repeat(10_000)));
    write(input.resolve("logins/date=2026-11-19/part-0.jsonl"), day1.toArray(new String[0]));
    write(
        input.resolve("logins/date=2026-11-20/part-0.csv"),
        "event_id,account_id,event_time,ip,device_id,extra_column",
        "late1,u1,2026-11-18T09:00:00Z,198.51.100.7,du1,x",
        "ok2,u1,2026-11-20T09:00:00Z,198.51.100.7,du1,x",
        "bad6,u1,yesterday,198.51.100.7,du1,x",
        "u1a,u1,2026-11-19T10:00:00+09:00,2001:db8::1,du1,x");
    write(
        input.resolve("ip_intel/intel.jsonl"),
        "{\"network\":\"203.0.113.0/24\",\"asn\":64500,\"as_org\":\"Rent-a-Server\",\"country\":\"NL\",\"usage_type\":\"hosting\"}",
        "{\"network\":\"198.51.100.0/24\",\"asn\":64501,\"country\":\"JP\",\"usage_type\":\"residential\"}");
    List<Row> payouts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      payouts.add(
          org.apache.spark.sql.RowFactory.create("r" + i, "WALLET-RAW-0xDEADBEEF", "crypto"));
    }
    spark
        .createDataFrame(
            payouts,
            new org.apache.spark.sql.types.StructType()
                .add("account_id", "string")
                .add("payout_method_id", "string")
                .add("method_type", "string"))
        .coalesce(1)
        .write()
        .parquet(input.resolve("payout_methods").toString());

    RunConfig config =
        new RunConfig(
            input.toString(),
            warehouseDir.toString(),
            D2,
            30,
            Settings.resolve(
                null,
                Map.of(
                    "privacy.hmac-key",
                    "nightly-run-test-key-32-bytes-or-more",
                    "ingest.max-bad-share",
                    "0.5")),
            false);
    first = NightlyRun.run(spark, config);
    afterFirst = snapshot(spark);
    rerun = NightlyRun.run(spark, config);
    afterRerun = snapshot(spark);
    NightlyRun.run(spark, config.withRunDate(D2.plusDays(1)));
  }

  static final List<String> TABLES =
      List.of(
          "logins",
          "accounts",
          "payout_methods",
          "ip_intel",
          TableNames.QUARANTINE,
          TableNames.ACCOUNT_RISK,
          TableNames.CLUSTER_RISK,
          TableNames.CLUSTER_MEMBERS,
          TableNames.LINK_EVIDENCE,
          TableNames.ATTRIBUTE_DAILY,
          TableNames.CO_LOGIN_MEETINGS);

  static Map<String, List<String>> snapshot(SparkSession spark) {
    Warehouse w = new Warehouse(spark, warehouseDir.toString());
    return TABLES.stream()
        .collect(
            Collectors.toMap(
                t -> t,
                t -> {
                  Dataset<Row> rows = w.read(t);
                  if (t.equals(TableNames.QUARANTINE)) {
                    rows = rows.drop(Cols.INGESTED_AT); // a rejected row is re-rejected at rerun
                  }
                  return rows.toJSON().collectAsList().stream()
                      .sorted()
                      .collect(Collectors.toList());
                }));
  }

  @Test
  void quarantineHasExactlyTheBadRecordsByReason() {
    Warehouse w = new Warehouse(SharedSpark.spark(), warehouseDir.toString());
    Map<String, Long> byReason =
        w
            .read(TableNames.QUARANTINE)
            .filter(col(Cols.SOURCE_TABLE).equalTo("logins"))
            .groupBy(Cols.REASON)
            .count()
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    assertThat(byReason)
        .containsOnly(
            Map.entry(Reasons.INVALID_IP, 1L),
            Map.entry(Reasons.MISSING_REQUIRED_FIELD, 1L),
            Map.entry(Reasons.FUTURE_TIMESTAMP, 1L),
            Map.entry(Reasons.IMPOSSIBLE_TIMESTAMP, 1L),
            Map.entry(Reasons.UNPARSEABLE_RECORD, 1L),
            Map.entry(Reasons.INVALID_TIMESTAMP, 1L));
    Map<String, Long> accounts =
        w
            .read(TableNames.QUARANTINE)
            .filter(col(Cols.SOURCE_TABLE).equalTo("accounts"))
            .filter(col(Cols.RUN_DATE).equalTo(java.sql.Date.valueOf(D2)))
            .groupBy(Cols.REASON)
            .count()
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    assertThat(accounts)
        .containsOnly(
            Map.entry(Reasons.IMPOSSIBLE_TIMESTAMP, 1L), Map.entry(Reasons.UNPARSEABLE_RECORD, 1L));
  }

  @Test
  void bronzeLoginsHoldTheValidEventsOnceNormalised() {
    Warehouse w = new Warehouse(SharedSpark.spark(), warehouseDir.toString());
    Dataset<Row> logins = w.read("logins");
    // 32 ring logins + u1a (delivered three times) + long UA + late1 + ok2
    assertThat(logins.count()).isEqualTo(36);
    assertThat(
            logins.filter(col(Cols.EVENT_ID).equalTo("u1a")).select(Cols.IP).first().getString(0))
        .isEqualTo("2001:db8::1");
    assertThat(
            logins
                .filter(col(Cols.EVENT_ID).equalTo("long"))
                .select(Cols.IP, Cols.USER_AGENT)
                .first())
        .satisfies(
            r -> {
              assertThat(r.getString(0)).isEqualTo("198.51.100.7");
              assertThat(r.getString(1)).hasSize(10_000);
            });
    assertThat(first.duplicatesDropped()).isEqualTo(2);
    // the 16 ring logins of 11-18 landed in 11-19's folder, and late1 (11-18) in 11-20's
    assertThat(first.lateEvents()).isEqualTo(17);
    assertThat(first.read()).containsEntry("logins", 44L); // 40 lines on 11-19, 4 rows on 11-20
    assertThat(first.quarantined()).containsEntry("logins", 6L);
  }

  @Test
  void payoutIdsNeverReachGoldRaw() {
    Warehouse w = new Warehouse(SharedSpark.spark(), warehouseDir.toString());
    for (String t :
        List.of(
            TableNames.ACCOUNT_RISK,
            TableNames.CLUSTER_RISK,
            TableNames.LINK_EVIDENCE,
            TableNames.CLUSTER_MEMBERS)) {
      assertThat(w.read(t).toJSON().collectAsList()).as(t).noneMatch(j -> j.contains("DEADBEEF"));
    }
    assertThat(
            w.read(TableNames.LINK_EVIDENCE)
                .filter(col(Cols.LINK_TYPE).equalTo("payout"))
                .select(Cols.ATTRIBUTE)
                .first()
                .getString(0))
        .startsWith("pm-");
  }

  @Test
  void ringIsClusteredAndFlaggedWithReasons() {
    Warehouse w = new Warehouse(SharedSpark.spark(), warehouseDir.toString());
    Dataset<Row> risk =
        w.read(TableNames.ACCOUNT_RISK)
            .filter(col(Cols.RUN_DATE).equalTo(java.sql.Date.valueOf(D2)));
    List<Row> ring = risk.filter(col(Cols.ACCOUNT_ID).startsWith("r")).collectAsList();
    assertThat(ring).hasSize(4);
    assertThat(ring.stream().map(r -> r.<String>getAs(Cols.CLUSTER_ID)).distinct())
        .hasSize(1)
        .doesNotContainNull();
    assertThat(ring)
        .allSatisfy(r -> assertThat(r.<String>getAs(Cols.RISK_TIER)).isIn("high", "critical"));
    Row cluster =
        w.read(TableNames.CLUSTER_RISK)
            .filter(col(Cols.RUN_DATE).equalTo(java.sql.Date.valueOf(D2)))
            .first();
    assertThat(cluster.<Long>getAs(Cols.SIZE)).isEqualTo(4L);
    assertThat(cluster.<String>getAs("working_hours_timezone")).isIn("UTC+8", "UTC+9", "UTC+10");
    assertThat(
            risk.filter(col(Cols.ACCOUNT_ID).equalTo("u1")).first().<String>getAs(Cols.RISK_TIER))
        .isEqualTo("low");
  }

  @Test
  void exportWritesOneFileOfTheRequestedRunDate() throws IOException {
    Warehouse w = new Warehouse(SharedSpark.spark(), warehouseDir.toString());
    Path jsonl = dir.resolve("export/account_risk.jsonl");
    long n =
        com.cohortwatch.io.Exporter.write(
            com.cohortwatch.io.Exporter.select(w.read(TableNames.ACCOUNT_RISK), D2),
            com.cohortwatch.io.Exporter.Format.JSONL,
            jsonl.toString());
    assertThat(n).isEqualTo(5);
    assertThat(Files.readAllLines(jsonl))
        .hasSize(5)
        .allSatisfy(l -> assertThat(l).startsWith("{").contains("\"run_date\":\"2026-11-20\""));
    Path csv = dir.resolve("export/cluster_risk.csv");
    long clusters =
        com.cohortwatch.io.Exporter.write(
            com.cohortwatch.io.Exporter.select(w.read(TableNames.CLUSTER_RISK), null),
            com.cohortwatch.io.Exporter.Format.CSV,
            csv.toString());
    assertThat(clusters).isEqualTo(1); // the newest run date only
    // RFC 4180 with every field quoted, the header too.
    assertThat(Files.readAllLines(csv).get(0)).startsWith("\"run_date\",\"cluster_id\",\"size\"");
    assertThat(
            com.cohortwatch.testing.StrictCsv.parse(
                    Files.readString(csv, java.nio.charset.StandardCharsets.UTF_8))
                .get(0))
        .startsWith("run_date", "cluster_id", "size")
        .contains("reasons");
  }

  @Test
  void nextNightKeepsTheClusterId() {
    Warehouse w = new Warehouse(SharedSpark.spark(), warehouseDir.toString());
    List<String> ids =
        w.read(TableNames.CLUSTER_MEMBERS)
            .filter(col(Cols.ACCOUNT_ID).equalTo("r0"))
            .orderBy(Cols.RUN_DATE)
            .select(Cols.CLUSTER_ID)
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(ids).hasSize(2);
    assertThat(ids.get(1)).isEqualTo(ids.get(0));
  }

  @Test
  void rerunLeavesEveryTableUnchanged() {
    for (String t : TABLES) {
      assertThat(afterRerun.get(t)).as(t).isEqualTo(afterFirst.get(t)).isNotEmpty();
    }
    assertThat(rerun.read()).containsEntry("logins", 4L); // only the run date is re-read
  }
}
