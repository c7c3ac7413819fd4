package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.ingest.Reasons;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.retention.Retention;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.TestFiles;
import com.cohortwatch.testing.WarehouseContents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reruns, backfills, late data, schema drift, every quarantine reason, odd run dates, concurrent
 * readers, purge and erase, on one hand-made input of four landed days in three formats. The
 * nightly sequence sees its input grow day by day; the backfill sees it all at once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReliabilityTest {
  static final LocalDate D0 = LocalDate.of(2026, 11, 14);
  static final LocalDate D1 = D0.plusDays(1);
  static final LocalDate D2 = D0.plusDays(2);
  static final LocalDate D3 = D0.plusDays(3);
  static final LocalDate EMPTY_DAY = D0.plusDays(4);
  static final String ERASED = "erase-me-7";
  static final List<String> RAW_PAYOUT_IDS =
      List.of("WALLET-RING-RAW-1", "IBAN-N0-RAW", "PM-ERASE-RAW-1", "PM-BAD-TYPE-RAW");

  @TempDir static Path dir;
  static Path fullInput;
  static Path growingInput;
  static String sequence;
  static String backfill;
  static Map<LocalDate, RunMetrics> nightly = new HashMap<>();
  static Map<LocalDate, RunMetrics> backfilled = new HashMap<>();
  static PublishReader backfillReader;

  static RunConfig config(Path input, String warehouse, LocalDate date) {
    return new RunConfig(
        input.toString(),
        warehouse,
        date,
        30,
        Settings.resolve(
            null,
            Map.of(
                "privacy.hmac-key",
                "reliability-test-key-of-32-bytes-or-more",
                "ingest.max-bad-share",
                "0.5")),
        false);
  }

  static String login(String id, String account, String time, String ip, String device) {
    return String.format(
        "{\"event_id\":\"%s\",\"account_id\":\"%s\",\"event_time\":\"%s\",\"ip\":\"%s\",\"device_id\":\"%s\"}",
        id, account, time, ip, device);
  }

  static void write(Path file, List<String> lines) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, String.join("\n", lines) + "\n");
  }

  /** The ring shares a hosting IP and a device at night; others log in by day from their own. */
  static List<String[]> dayLogins(LocalDate day) {
    List<String[]> rows = new ArrayList<>();
    for (int r = 0; r < 6; r++) {
      for (int k = 0; k < 3; k++) {
        rows.add(
            new String[] {
              "r" + r + "-" + day + "-" + k,
              "r" + r,
              day + String.format("T0%d:%02d:00Z", 1 + 2 * k, r),
              "203.0.113.10",
              "ring-dev"
            });
      }
    }
    for (int n = 0; n < 8; n++) {
      rows.add(
          new String[] {
            "n" + n + "-" + day,
            "n" + n,
            day + "T14:0" + n + ":00Z",
            "198.51.100." + (10 + n),
            "dev-n" + n
          });
    }
    rows.add(new String[] {"x1-" + day, "x1", day + "T15:00:00Z", "198.18.0.1", "dev-x1"});
    rows.add(new String[] {"x2-" + day, "x2", day + "T15:30:00Z", "198.19.5.1", "dev-x2"});
    rows.add(new String[] {"e-" + day, ERASED, day + "T16:00:00Z", "192.0.2.77", "dev-e"});
    return rows;
  }

  static List<String> asJson(List<String[]> rows) {
    return rows.stream().map(r -> login(r[0], r[1], r[2], r[3], r[4])).collect(Collectors.toList());
  }

  @BeforeAll
  static void runNightlyAndBackfill() throws IOException {
    SparkSession spark = SharedSpark.spark();
    fullInput = dir.resolve("input");
    List<String> accounts = new ArrayList<>();
    String[][] claims = {
      {"US", "America/New_York"},
      {"CA", "America/Toronto"},
      {"JP", "Asia/Tokyo"},
      {"PL", "Europe/Warsaw"}
    };
    for (int r = 0; r < 6; r++) {
      accounts.add(
          String.format(
              "{\"account_id\":\"r%d\",\"created_at\":\"2026-10-0%dT00:00:00Z\",\"claimed_country\":\"%s\",\"claimed_timezone\":\"%s\",\"favourite_colour\":\"blue\"}",
              r, r + 1, claims[r % 4][0], claims[r % 4][1]));
    }
    for (String a : List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "x1", "x2", ERASED)) {
      accounts.add(
          "{\"account_id\":\""
              + a
              + "\",\"created_at\":\"2024-03-01T00:00:00Z\",\"claimed_country\":\"US\",\"claimed_timezone\":\"America/Chicago\"}");
    }
    accounts.add("{\"account_id\":\"bad-c\",\"claimed_country\":\"USA\"}"); // invalid_value
    accounts.add(
        "{\"account_id\":\"bad-tz\",\"claimed_timezone\":\"Mars/Olympus\"}"); // invalid_value
    accounts.add("{\"account_id\":\"  \"}"); // missing_required_field
    accounts.add(
        "{\"account_id\":\"bad-t\",\"created_at\":\"2026-02-30T00:00:00Z\"}"); // impossible
    accounts.add("{oops"); // unparseable_record
    write(fullInput.resolve("accounts/accounts.jsonl"), accounts);

    List<String> payouts =
        new ArrayList<>(List.of("account_id,payout_method_id,method_type,added_at"));
    for (int r = 0; r < 6; r++) {
      payouts.add("r" + r + ",WALLET-RING-RAW-1,crypto,2026-10-20T00:00:00Z");
    }
    payouts.add("n0,IBAN-N0-RAW,bank,2025-01-01T00:00:00Z");
    payouts.add(ERASED + ",PM-ERASE-RAW-1,paypal,2025-01-01T00:00:00Z");
    payouts.add("n1,PM-BAD-TYPE-RAW,cheque,2025-01-01T00:00:00Z"); // invalid_value
    payouts.add("n2,,bank,2025-01-01T00:00:00Z"); // missing_required_field
    write(fullInput.resolve("payout_methods/payouts.csv"), payouts);

    write(
        fullInput.resolve("ip_intel/intel.jsonl"),
        List.of(
            "{\"network\":\"203.0.113.0/24\",\"asn\":64500,\"as_org\":\"Rent-a-Server\",\"country\":\"NL\",\"usage_type\":\"hosting\"}",
            "{\"network\":\"198.51.100.0/24\",\"asn\":64501,\"country\":\"US\",\"usage_type\":\"residential\"}",
            "{\"network\":\"300.0.0.0/8\",\"usage_type\":\"hosting\"}", // invalid_ip
            "{\"network\":\"10.0.0.0/8\",\"usage_type\":\"spaceship\"}")); // invalid_value
    write(
        fullInput.resolve("decisions/decisions.jsonl"),
        List.of(
            "{\"account_id\":\"r0\",\"decision\":\"confirmed\",\"decided_at\":\"2026-11-10T00:00:00Z\"}",
            "{\"account_id\":\"n3\",\"decision\":\"cleared\",\"decided_at\":\"2026-11-10T00:00:00Z\"}",
            "{\"account_id\":\"n4\",\"decision\":\"maybe\",\"decided_at\":\"2026-11-10T00:00:00Z\"}", // invalid_value
            "{\"account_id\":\"n5\",\"decision\":\"cleared\",\"decided_at\":\"soon\"}", // invalid_timestamp
            // Decided after the run dates but before today: valid (the snapshot is as of today).
            "{\"account_id\":\"n2\",\"decision\":\"cleared\",\"decided_at\":\"2026-11-21T09:00:00Z\"}",
            "{\"account_id\":\"n2\",\"decision\":\"cleared\",\"decided_at\":\"2099-01-01T00:00:00Z\"}")); // future

    // D0 in Parquet, device_id typed as a number: the three rows that carry one are wrong_type.
    StructType parquet =
        new StructType()
            .add("event_id", DataTypes.StringType)
            .add("account_id", DataTypes.StringType)
            .add("event_time", DataTypes.StringType)
            .add("ip", DataTypes.StringType)
            .add("device_id", DataTypes.LongType);
    List<Row> d0 = new ArrayList<>();
    for (String[] r : dayLogins(D0)) {
      d0.add(RowFactory.create(r[0], r[1], r[2], r[3], null));
    }
    for (int n = 0; n < 3; n++) {
      d0.add(RowFactory.create("typed-" + n, "n" + n, D0 + "T18:00:00Z", "198.51.100.9", 12345L));
    }
    spark
        .createDataFrame(d0, parquet)
        .coalesce(1)
        .write()
        .parquet(fullInput.resolve("logins/date=" + D0).toString());

    // D1 in CSV: no device_id column at all (optional), one unknown column (ignored).
    List<String> d1 = new ArrayList<>(List.of("event_id,account_id,event_time,ip,export_batch"));
    dayLogins(D1).forEach(r -> d1.add(String.join(",", r[0], r[1], r[2], r[3], "b-17")));
    write(fullInput.resolve("logins/date=" + D1 + "/part-0.csv"), d1);

    // D2 in JSON Lines with one record of every login rejection.
    List<String> d2 = asJson(dayLogins(D2));
    d2.add("{broken"); // unparseable_record
    d2.add("not json at all"); // unparseable_record
    d2.add(login("m1", "", D2 + "T10:00:00Z", "198.51.100.1", "d")); // missing_required_field
    d2.add("{\"event_id\":\"m2\",\"account_id\":\"n1\",\"event_time\":\"" + D2 + "T10:00:00Z\"}");
    d2.add(login("i1", "n0", D2 + "T10:00:00Z", "999.1.1.1", "d")); // invalid_ip
    d2.add(login("i2", ERASED, D2 + "T10:00:00Z", "not-an-ip", "d")); // invalid_ip
    d2.add(login("t1", "n0", "yesterday", "198.51.100.1", "d")); // invalid_timestamp
    d2.add(login("t2", "n0", "2026-02-30T10:00:00Z", "198.51.100.1", "d")); // impossible
    d2.add(login("t3", "n0", "2099-01-01T00:00:00Z", "198.51.100.1", "d")); // future
    d2.add(
        "{\"event_id\":\"v1\",\"account_id\":\"n0\",\"event_time\":\""
            + D2
            + "T10:00:00Z\",\"ip\":\"198.51.100.1\",\"success\":\"maybe\"}"); // invalid_value
    write(fullInput.resolve("logins/date=" + D2 + "/part-0.jsonl"), d2);

    // D3 carries four late events of D1: x1 and x2 on one device they never used on time.
    List<String> d3 = asJson(dayLogins(D3));
    for (int k = 0; k < 2; k++) {
      d3.add(login("late-x1-" + k, "x1", D1 + "T2" + k + ":00:00Z", "198.18.0.1", "late-dev"));
      d3.add(login("late-x2-" + k, "x2", D1 + "T2" + k + ":10:00Z", "198.19.5.1", "late-dev"));
    }
    write(fullInput.resolve("logins/date=" + D3 + "/part-0.jsonl"), d3);

    // Nightly: the input folder grows one landed day per night.
    growingInput = dir.resolve("growing");
    for (String t : List.of("accounts", "payout_methods", "ip_intel", "decisions")) {
      TestFiles.copyTree(fullInput.resolve(t), growingInput.resolve(t));
    }
    for (LocalDate d : List.of(D0, D1, D2)) {
      TestFiles.copyTree(
          fullInput.resolve("logins/date=" + d), growingInput.resolve("logins/date=" + d));
    }
    sequence = dir.resolve("nightly").toString();
    nightly.put(D2, NightlyRun.run(spark, config(growingInput, sequence, D2)));
    TestFiles.copyTree(
        fullInput.resolve("logins/date=" + D3), growingInput.resolve("logins/date=" + D3));
    nightly.put(D3, NightlyRun.run(spark, config(growingInput, sequence, D3)));

    backfill = dir.resolve("backfill").toString();
    // A reader queries D3's account_risk all through the backfill's D3 run: before it, D3 has
    // no rows; after it, all of them.
    backfillReader = new PublishReader(spark, accountRiskChecksum(backfill, D3));
    Backfill.run(
        spark,
        config(fullInput, backfill, D2),
        D2,
        D3,
        (date, metrics) -> {
          backfilled.put(date, metrics);
          if (date.equals(D2)) {
            backfillReader.start();
          }
        });
    backfillReader.stop();
  }

  static String accountRiskChecksum(String warehouse, LocalDate date) {
    return "SELECT count(*), sum(hash(account_id, risk_tier, risk_score)) FROM delta.`"
        + warehouse
        + "/"
        + TableNames.ACCOUNT_RISK
        + "` WHERE run_date = '"
        + date
        + "'";
  }

  /** Runs one query over and over on its own thread, keeping every answer, until stopped. */
  static final class PublishReader {
    private final SparkSession spark;
    private final String query;
    final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicBoolean reading = new AtomicBoolean(true);
    private final Thread thread;
    String before;
    String after;

    PublishReader(SparkSession spark, String query) {
      this.spark = spark;
      this.query = query;
      this.thread =
          new Thread(
              () -> {
                // Paced: a reader spinning flat out would slow the run it watches several-fold.
                while (reading.get()) {
                  seen.add(read());
                  try {
                    Thread.sleep(200);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                }
              },
              "publish-reader");
    }

    String read() {
      return spark.sql(query).first().toString();
    }

    void start() {
      before = read();
      thread.start();
    }

    void stop() {
      reading.set(false);
      try {
        thread.join(120_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      after = read();
    }
  }

  static Warehouse warehouse(String root) {
    return new Warehouse(SharedSpark.spark(), root);
  }

  @Test
  @Order(1)
  void backfillGivesTheSameTablesAsNightlyRunsInSequence() {
    Map<String, List<String>> n = WarehouseContents.of(SharedSpark.spark(), sequence);
    Map<String, List<String>> b = WarehouseContents.of(SharedSpark.spark(), backfill);
    for (String table : WarehouseContents.DATA_TABLES) {
      assertThat(b.get(table)).as(table).isNotEmpty().isEqualTo(n.get(table));
    }
    assertThat(backfilled.keySet()).containsExactlyInAnyOrder(D2, D3);
  }

  @Test
  @Order(1)
  void lateEventsAreIngestedCountedAndScoredByTheNextRun() {
    assertThat(nightly.get(D2).lateEvents()).isZero();
    assertThat(nightly.get(D3).lateEvents()).isEqualTo(4);
    Warehouse w = warehouse(sequence);
    Row metrics =
        w.read(TableNames.RUN_METRICS)
            .filter(col(Cols.RUN_DATE).equalTo(Date.valueOf(D3)))
            .filter(col(Schemas.STATUS).equalTo(RunMetrics.SUCCEEDED))
            .first();
    assertThat(metrics.<Long>getAs(Schemas.LATE_EVENTS)).isEqualTo(4L);
    // The rollup of D1 was recomputed with the late device...
    assertThat(
            w.read(TableNames.ATTRIBUTE_DAILY)
                .filter(col(Cols.EVENT_DATE).equalTo(Date.valueOf(D1)))
                .filter(col(Cols.ATTR_VALUE).equalTo("late-dev"))
                .count())
        .isEqualTo(2);
    // ...and the next run links the two accounts through it; the run before could not.
    Dataset<Row> lateLinks =
        w.read(TableNames.LINK_EVIDENCE)
            .filter(col(Cols.ATTRIBUTE).equalTo("late-dev"))
            .filter(col(Cols.ACCOUNT_A).isin("x1", "x2").and(col(Cols.ACCOUNT_B).isin("x1", "x2")));
    assertThat(lateLinks.filter(col(Cols.RUN_DATE).equalTo(Date.valueOf(D3))).count()).isEqualTo(1);
    assertThat(lateLinks.filter(col(Cols.RUN_DATE).equalTo(Date.valueOf(D2))).count()).isZero();
  }

  @Test
  @Order(1)
  void everyQuarantineReasonIsCountedExactly() {
    Dataset<Row> q =
        warehouse(sequence)
            .read(TableNames.QUARANTINE)
            .filter(
                col(Cols.SOURCE_TABLE)
                    .equalTo("logins")
                    .or(col(Cols.RUN_DATE).equalTo(Date.valueOf(D2))));
    Map<String, Long> counts =
        q.groupBy(Cols.SOURCE_TABLE, Cols.REASON).count().collectAsList().stream()
            .collect(
                Collectors.toMap(r -> r.getString(0) + "/" + r.getString(1), r -> r.getLong(2)));
    assertThat(counts)
        .containsOnly(
            Map.entry("logins/" + Reasons.UNPARSEABLE_RECORD, 2L),
            Map.entry("logins/" + Reasons.MISSING_REQUIRED_FIELD, 2L),
            Map.entry("logins/" + Reasons.INVALID_IP, 2L),
            Map.entry("logins/" + Reasons.INVALID_TIMESTAMP, 1L),
            Map.entry("logins/" + Reasons.IMPOSSIBLE_TIMESTAMP, 1L),
            Map.entry("logins/" + Reasons.FUTURE_TIMESTAMP, 1L),
            Map.entry("logins/" + Reasons.INVALID_VALUE, 1L),
            Map.entry("logins/" + Reasons.WRONG_TYPE, 3L),
            Map.entry("accounts/" + Reasons.INVALID_VALUE, 2L),
            Map.entry("accounts/" + Reasons.MISSING_REQUIRED_FIELD, 1L),
            Map.entry("accounts/" + Reasons.IMPOSSIBLE_TIMESTAMP, 1L),
            Map.entry("accounts/" + Reasons.UNPARSEABLE_RECORD, 1L),
            Map.entry("payout_methods/" + Reasons.INVALID_VALUE, 1L),
            Map.entry("payout_methods/" + Reasons.MISSING_REQUIRED_FIELD, 1L),
            Map.entry("ip_intel/" + Reasons.INVALID_IP, 1L),
            Map.entry("ip_intel/" + Reasons.INVALID_VALUE, 1L),
            Map.entry("decisions/" + Reasons.INVALID_VALUE, 1L),
            Map.entry("decisions/" + Reasons.INVALID_TIMESTAMP, 1L),
            Map.entry("decisions/" + Reasons.FUTURE_TIMESTAMP, 1L));
    // The run that read the snapshot exports (the first night, D2): its own counts agree with the
    // table, per table.
    assertThat(nightly.get(D2).quarantined())
        .containsEntry("accounts", 5L)
        .containsEntry("payout_methods", 2L)
        .containsEntry("ip_intel", 2L)
        .containsEntry("decisions", 3L);
    // The next night the exports were the same files: kept, not read or quarantined again, except
    // decisions, whose future-dated record is judged against the clock and so read every night.
    assertThat(nightly.get(D3).unchanged())
        .containsOnlyKeys("accounts", "payout_methods", "ip_intel");
    assertThat(nightly.get(D3).quarantined())
        .containsEntry("decisions", 3L)
        .containsEntry("logins", 0L)
        .doesNotContainKeys("accounts", "payout_methods", "ip_intel");
  }

  @Test
  @Order(1)
  void schemaDriftIsToleratedAndWrongTypesQuarantined() {
    Warehouse w = warehouse(sequence);
    Dataset<Row> logins = w.read("logins");
    assertThat(logins.columns()).doesNotContain("export_batch", "favourite_colour");
    // The CSV day had no device_id column: its rows are kept, without a device.
    Dataset<Row> d1 = logins.filter(col(Cols.LANDED_DATE).equalTo(Date.valueOf(D1)));
    assertThat(d1.count()).isEqualTo(dayLogins(D1).size());
    assertThat(d1.filter(col(Cols.DEVICE_ID).isNotNull()).count()).isZero();
    // The Parquet day's typed device ids went to quarantine naming the column.
    List<Row> wrong =
        w.read(TableNames.QUARANTINE)
            .filter(col(Cols.REASON).equalTo(Reasons.WRONG_TYPE))
            .select(Cols.DETAIL)
            .distinct()
            .collectAsList();
    assertThat(wrong).extracting(r -> r.getString(0)).containsExactly("device_id");
    assertThat(w.read("accounts").count()).isEqualTo(6 + 11);
  }

  @Test
  @Order(1)
  void payoutIdsAreNowhereRawInTheWarehouse() {
    SparkSession spark = SharedSpark.spark();
    Warehouse w = warehouse(sequence);
    for (String table : WarehouseContents.DATA_TABLES) {
      List<String> rows = w.read(table).toJSON().collectAsList();
      for (String raw : RAW_PAYOUT_IDS) {
        assertThat(rows).as(table + " holds " + raw).noneMatch(r -> r.contains(raw));
      }
    }
    // Delta's own log keeps column statistics: no raw id there either.
    List<String> logLines =
        spark
            .read()
            .text(sequence + "/*/_delta_log/*.json")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    for (String raw : RAW_PAYOUT_IDS) {
      assertThat(logLines).as("delta log holds " + raw).noneMatch(l -> l.contains(raw));
    }
    // The ring's shared wallet still links them, by its pseudonym.
    assertThat(
            w.read(TableNames.LINK_EVIDENCE)
                .filter(col(Cols.LINK_TYPE).equalTo("payout"))
                .filter(col(Cols.ATTRIBUTE).startsWith("pm-"))
                .count())
        .isPositive();
  }

  @Test
  @Order(2)
  void oddRunDatesFailClearlyAndChangeNothing() {
    SparkSession spark = SharedSpark.spark();
    Map<String, List<String>> before = WarehouseContents.of(spark, sequence);
    assertThatThrownBy(
            () -> NightlyRun.run(spark, config(growingInput, sequence, LocalDate.of(2025, 6, 1))))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("before the earliest login data (" + D0 + ")");
    LocalDate future = LocalDate.now(ZoneOffset.UTC).plusDays(30);
    assertThatThrownBy(() -> NightlyRun.run(spark, config(growingInput, sequence, future)))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("in the future");
    // The warehouse records its key's fingerprint, never the key; another key fails before writing.
    assertThat(warehouse(sequence).properties("payout_methods"))
        .containsEntry(
            com.cohortwatch.values.Pseudonymizer.FINGERPRINT_PROPERTY,
            com.cohortwatch.values.Pseudonymizer.fingerprint(
                "reliability-test-key-of-32-bytes-or-more"))
        .doesNotContainValue("reliability-test-key-of-32-bytes-or-more");
    RunConfig otherKey =
        new RunConfig(
            growingInput.toString(),
            sequence,
            D3,
            30,
            Settings.resolve(
                null, Map.of("privacy.hmac-key", "another-key-another-key-another-key")),
            false);
    assertThatThrownBy(() -> NightlyRun.run(spark, otherKey))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("was built with HMAC key hmac-sha256:")
        .hasMessageNotContaining("\n");
    assertThat(WarehouseContents.of(spark, sequence)).isEqualTo(before);
  }

  @Test
  @Order(2)
  void anEmptiedSnapshotKeepsThePreviousBronzeAndFailsOrWarns() throws IOException {
    SparkSession spark = SharedSpark.spark();
    Path shrunk = dir.resolve("shrunk-input");
    TestFiles.copyTree(growingInput, shrunk);
    // A 0-record payout export and an accounts export down to one account.
    write(shrunk.resolve("payout_methods/payouts.csv"), List.of("account_id,payout_method_id"));
    write(
        shrunk.resolve("accounts/accounts.jsonl"),
        List.of("{\"account_id\":\"n0\",\"created_at\":\"2024-03-01T00:00:00Z\"}"));
    Map<String, List<String>> before = WarehouseContents.of(spark, sequence);
    assertThatThrownBy(() -> NightlyRun.run(spark, config(shrunk, sequence, D3)))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("input table accounts: 1 valid records against")
        .hasMessageContaining("nothing was published")
        .hasMessageNotContaining("\n");
    assertThat(WarehouseContents.of(spark, sequence)).isEqualTo(before);

    // warn: the run goes on with the previous accounts and payout methods, and says so.
    Path copy = dir.resolve("shrunk-warehouse");
    TestFiles.copyTree(Path.of(sequence), copy);
    RunConfig warn =
        new RunConfig(
            shrunk.toString(),
            copy.toString(),
            D3,
            30,
            Settings.resolve(
                null,
                Map.of(
                    "privacy.hmac-key",
                    "reliability-test-key-of-32-bytes-or-more",
                    "ingest.max-bad-share",
                    "0.5",
                    "ingest.snapshot-shrink-action",
                    "warn")),
            false);
    RunMetrics metrics = new RunMetrics(D3, "test");
    com.cohortwatch.ingest.IngestStage.run(spark, warn, warehouse(copy.toString()), metrics);
    Map<String, List<String>> after = WarehouseContents.of(spark, copy.toString());
    assertThat(after.get("accounts")).isEqualTo(before.get("accounts"));
    assertThat(after.get("payout_methods")).isEqualTo(before.get("payout_methods"));
    assertThat(metrics.toRow(spark, "x", null).first().<String>getAs(Schemas.MESSAGE))
        .contains("WARNING input table payout_methods: 0 valid records against")
        .contains("kept the previous bronze accounts");
  }

  @Test
  @Order(3)
  void aReaderDuringAPublishSeesTheOldOrTheNewVersionNeverAMix() {
    PublishReader reader = backfillReader;
    assertThat(reader.before).as("D3 before its run").isEqualTo("[0,null]");
    assertThat(reader.after).isNotEqualTo(reader.before);
    assertThat(reader.seen)
        .hasSizeGreaterThan(3)
        .allMatch(s -> s.equals(reader.before) || s.equals(reader.after));
    assertThat(reader.seen).as("the reader ran before D3 was published").contains(reader.before);
  }

  @Test
  @Order(4)
  void eraseRemovesTheAccountEverywhereAndIngestionKeepsItOut() {
    SparkSession spark = SharedSpark.spark();
    Warehouse w = warehouse(sequence);
    Map<String, Long> removed = Retention.erase(spark, w, ERASED, 0);
    // Four landed days of logins, its account row, its payout method, its invalid_ip record.
    assertThat(removed)
        .containsEntry("logins", 4L)
        .containsEntry("accounts", 1L)
        .containsEntry("payout_methods", 1L)
        .containsEntry(TableNames.QUARANTINE, 1L);
    assertThat(removed.get(TableNames.ACCOUNT_RISK)).isPositive();
    assertNowhere(spark, sequence, ERASED);
    // Nor any file at all under the warehouse: commit logs, checkpoints, change data included.
    assertThat(WarehouseContents.filesMentioning(spark, Path.of(sequence), ERASED)).isEmpty();

    // The next night re-reads the accounts export, which still has it: ingestion drops it.
    RunMetrics emptyDay = NightlyRun.run(spark, config(growingInput, sequence, EMPTY_DAY));
    assertNowhere(spark, sequence, ERASED);
    Row run =
        w.read(TableNames.RUN_METRICS)
            .filter(col(Schemas.RUN_ID).equalTo(emptyDay.runId()))
            .filter(col(Schemas.STATUS).equalTo(RunMetrics.SUCCEEDED))
            .first();
    String message = run.getAs(Schemas.MESSAGE);
    assertThat(message)
        .contains("accounts: dropped 1 records of erased accounts")
        .contains("payout_methods: dropped 1 records of erased accounts")
        // a date with no login files still scores the window, and says so
        .contains("no login files landed for " + EMPTY_DAY);
    assertThat(
            w.read(TableNames.ACCOUNT_RISK)
                .filter(col(Cols.RUN_DATE).equalTo(Date.valueOf(EMPTY_DAY)))
                .count())
        .isPositive();
  }

  /** No row of any data table, and no data file left on disk, mentions the text. */
  static void assertNowhere(SparkSession spark, String root, String text) {
    Map<String, List<String>> contents = WarehouseContents.of(spark, root);
    contents.forEach((table, rows) -> assertThat(rows).as(table).noneMatch(r -> r.contains(text)));
    // VACUUM with retention 0 removed the files the DELETE rewrote: read every file still there.
    for (String table : WarehouseContents.DATA_TABLES) {
      Path files = Path.of(root, table);
      if (!parquetFiles(files).isEmpty()) {
        List<String> physical =
            spark
                .read()
                .option("mergeSchema", "true")
                .option("recursiveFileLookup", "true")
                .option("pathGlobFilter", "*.parquet")
                .parquet(files.toString())
                .toJSON()
                .collectAsList();
        assertThat(physical).as("files of " + table).noneMatch(r -> r.contains(text));
      }
    }
  }

  @Test
  @Order(5)
  void purgeDeletesEverythingDatedBeforeAndNothingElse() {
    // Before D3: the login days D0..D2 and the gold rows of the D2 run go; D3 stays.
    SparkSession spark = SharedSpark.spark();
    Warehouse w = warehouse(sequence);
    long keptLogins = w.read("logins").filter(col(Cols.EVENT_DATE).geq(Date.valueOf(D3))).count();
    long keptRisk =
        w.read(TableNames.ACCOUNT_RISK).filter(col(Cols.RUN_DATE).geq(Date.valueOf(D3))).count();
    assertThat(keptLogins).isPositive();
    assertThat(keptRisk).isPositive();
    Map<String, Long> removed = Retention.purge(spark, w, D3, 0);
    assertThat(removed.get("logins")).isPositive();
    assertThat(removed.get(TableNames.ACCOUNT_RISK)).isPositive();
    assertThat(removed.get(TableNames.QUARANTINE)).isPositive();
    assertThat(w.read("logins").count()).isEqualTo(keptLogins);
    assertThat(w.read(TableNames.ACCOUNT_RISK).count()).isEqualTo(keptRisk);
    for (String table : List.of(TableNames.ATTRIBUTE_DAILY, TableNames.CO_LOGIN_MEETINGS)) {
      assertThat(w.read(table).filter(col(Cols.EVENT_DATE).lt(Date.valueOf(D3))).count())
          .as(table)
          .isZero();
    }
    for (String table :
        List.of(TableNames.LINK_EVIDENCE, TableNames.CLUSTER_RISK, TableNames.QUARANTINE)) {
      assertThat(w.read(table).filter(col(Cols.RUN_DATE).lt(Date.valueOf(D3))).count())
          .as(table)
          .isZero();
    }
    // Physically gone after VACUUM: no data file is left in the old days' partitions.
    for (LocalDate d : List.of(D0, D1, D2)) {
      assertThat(parquetFiles(Path.of(w.path("logins"), Cols.EVENT_DATE + "=" + d)))
          .as("files of " + d)
          .isEmpty();
    }
    assertThat(parquetFiles(Path.of(w.path("logins"), Cols.EVENT_DATE + "=" + D3))).isNotEmpty();
  }

  static List<Path> parquetFiles(Path folder) {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(folder)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".parquet"))
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
