package com.cohortwatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.io.InputFiles;
import com.cohortwatch.io.InputReader;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and records shaped by an attacker, read and validated (no Delta): each bad file is one
 * quarantine row and the rest is read; payout ids never survive in rejected text in any spelling;
 * bytes that are not UTF-8 and overlong records are quarantined, not merged or fatal.
 */
class HostileInputTest {
  static final LocalDate DAY = LocalDate.of(2026, 11, 20);
  static final Validation.Limits LIMITS = new Validation.Limits(DAY, 24, LocalDate.of(2000, 1, 1));
  static final String KEY = "hostile-input-test-key-32-bytes-min";

  @TempDir Path dir;

  static String login(String account, String extra) {
    return "{\"account_id\":\""
        + account
        + "\",\"event_time\":\""
        + DAY
        + "T01:00:00Z\",\"ip\":\"203.0.113.9\""
        + extra
        + "}";
  }

  private List<Row> validated(InputTable table, Path folder) {
    SparkSession spark = SharedSpark.spark();
    InputFiles.Listing listing =
        InputFiles.list(spark.sparkContext().hadoopConfiguration(), folder.toString());
    Dataset<Row> rows = Validation.validate(table, InputReader.read(spark, table, listing), LIMITS);
    if (table == InputTable.PAYOUT_METHODS) {
      rows = IngestStage.pseudonymisePayouts(rows, KEY);
    }
    return rows.collectAsList();
  }

  /** reason (or "valid") -> count. */
  private static Map<String, Integer> reasons(List<Row> rows) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Row r : rows) {
      String reason = r.getAs(Cols.REASON);
      counts.merge(reason == null ? "valid" : reason, 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void badFilesAreOneQuarantineRowEachAndTheRestIsRead() throws Exception {
    Path day = dir.resolve("logins/date=" + DAY);
    Files.createDirectories(day);
    byte[] gz = gzip(login("a1", "") + "\n" + login("a2", "") + "\n");
    Files.write(day.resolve("good.jsonl.gz"), gz);
    Files.write(day.resolve("truncated.jsonl.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
    Files.write(day.resolve("more.jsonl.bz2"), bzip2(login("a3", "") + "\n"));
    List<Row> json = validated(InputTable.LOGINS, day);
    assertThat(reasons(json)).containsEntry("valid", 3).containsEntry(Reasons.UNREADABLE_FILE, 1);
    assertThat(json)
        .filteredOn(r -> Reasons.UNREADABLE_FILE.equals(r.getAs(Cols.REASON)))
        .allMatch(r -> r.<String>getAs(Cols.DETAIL).startsWith("truncated.jsonl.gz: truncated"));

    // Parquet: one good file, one with device_id typed as a number, one not Parquet, one empty.
    Path pq = dir.resolve("pq/logins/date=" + DAY);
    Files.createDirectories(pq);
    SparkSession spark = SharedSpark.spark();
    StructType text =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("event_time", DataTypes.StringType)
            .add("ip", DataTypes.StringType)
            .add("device_id", DataTypes.StringType);
    parquet(
        spark,
        List.of(RowFactory.create("p1", DAY + "T01:00:00Z", "203.0.113.9", "d")),
        text,
        pq.resolve("good.parquet"));
    StructType typed =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("event_time", DataTypes.StringType)
            .add("ip", DataTypes.StringType)
            .add("device_id", DataTypes.LongType);
    parquet(
        spark,
        List.of(RowFactory.create("p2", DAY + "T01:00:00Z", "203.0.113.9", 7L)),
        typed,
        pq.resolve("typed.parquet"));
    Files.writeString(pq.resolve("not.parquet"), "account_id,ip\n");
    Files.write(pq.resolve("empty.parquet"), new byte[0]);
    List<Row> pqRows = validated(InputTable.LOGINS, pq);
    assertThat(reasons(pqRows))
        .containsEntry("valid", 1)
        .containsEntry(Reasons.WRONG_TYPE, 1)
        .containsEntry(Reasons.UNREADABLE_FILE, 2);

    // CSV: odd extra header names are ignored; a header naming a contract column twice is not.
    Path csv = dir.resolve("csv/logins/date=" + DAY);
    Files.createDirectories(csv);
    Files.writeString(
        csv.resolve("odd.csv"),
        "account_id,a.b,,event_time,x,x,ip\nc1,1,2," + DAY + "T01:00:00Z,3,4,203.0.113.9\n");
    Files.writeString(
        csv.resolve("twice.csv"),
        "account_id,account_id,event_time,ip\nc2,c3," + DAY + "T01:00:00Z,203.0.113.9\n");
    Files.write(
        csv.resolve("packed.csv.bz2"),
        bzip2("account_id,event_time,ip\nc4," + DAY + "T01:00:00Z,203.0.113.9\n"));
    List<Row> csvRows = validated(InputTable.LOGINS, csv);
    assertThat(reasons(csvRows))
        .containsEntry("valid", 2)
        .containsEntry(Reasons.UNREADABLE_FILE, 1);
  }

  @Test
  void payoutIdsNeverSurviveInRejectedTextInAnySpelling() throws Exception {
    Path folder = dir.resolve("payout_methods");
    Files.createDirectories(folder);
    Files.writeString(
        folder.resolve("p.jsonl"),
        String.join(
            "\n",
            // a \\u escape: the parsed id is SECRET-ONE, the text spells it otherwise
            "{\"account_id\":\"p1\",\"payout_method_id\":\"SECRET\\u002dONE\",\"method_type\":\"cheque\"}",
            // a duplicated key: which one is the id depends on the parser
            "{\"account_id\":\"p2\",\"payout_method_id\":\"SECRET-TWO\",\"payout_method_id\":\"SECRET-2B\",\"method_type\":\"cheque\"}",
            // unparseable: only a hash of the text is kept
            "{\"account_id\":\"p3\",\"payout_method_id\":\"SECRET-THREE\"",
            "{\"account_id\":\"p4\",\"payout_method_id\":\"SECRET-FOUR\",\"method_type\":\"bank\"}"));
    List<Row> rows = validated(InputTable.PAYOUT_METHODS, folder);
    assertThat(reasons(rows)).containsEntry("valid", 1).containsEntry(Reasons.INVALID_VALUE, 2);
    for (Row r : rows) {
      String raw = r.getAs(Cols.RAW);
      if (raw != null) {
        assertThat(raw.toUpperCase(java.util.Locale.ROOT))
            .doesNotContain("SECRET")
            .doesNotContain("\\U00");
      }
      assertThat(r.<String>getAs(Cols.PAYOUT_METHOD_ID))
          .satisfiesAnyOf(id -> assertThat(id).isNull(), id -> assertThat(id).startsWith("pm-"));
    }
    assertThat(rows)
        .filteredOn(r -> "p1".equals(r.getAs(Cols.ACCOUNT_ID)))
        .allMatch(r -> r.<String>getAs(Cols.RAW).contains("\"method_type\":\"cheque\""))
        .allMatch(r -> r.<String>getAs(Cols.RAW).contains("pm-"));
  }

  @Test
  void invalidUtf8AndOverlongRecordsAreQuarantinedNotMerged() throws Exception {
    Path day = dir.resolve("enc/logins/date=" + DAY);
    Files.createDirectories(day);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write((login("u1", ",\"device_id\":\"dev")).getBytes(StandardCharsets.UTF_8));
    bytes.write(new byte[] {(byte) 0xff, (byte) 0xfe});
    bytes.write("\"}\n".getBytes(StandardCharsets.UTF_8));
    bytes.write((login("u2", ",\"device_id\":\"d\"") + "\n").getBytes(StandardCharsets.UTF_8));
    String huge = "x".repeat(InputReader.MAX_RECORD_CHARS + 10);
    bytes.write(
        (login("u3", ",\"user_agent\":\"" + huge + "\"") + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(day.resolve("l.jsonl"), bytes.toByteArray());
    List<Row> rows = validated(InputTable.LOGINS, day);
    Map<String, String> byAccount = new TreeMap<>();
    rows.forEach(
        r ->
            byAccount.put(r.getAs(Cols.ACCOUNT_ID), String.valueOf((Object) r.getAs(Cols.REASON))));
    assertThat(byAccount)
        .containsEntry("u1", Reasons.INVALID_ENCODING)
        .containsEntry("u2", "null")
        .containsEntry("u3", Reasons.OVERLONG_RECORD);
  }

  @Test
  void aLineHoldingTwoRecordsOrTrailingTextIsQuarantinedWhole() throws Exception {
    Path day = dir.resolve("two/logins/date=" + DAY);
    Files.createDirectories(day);
    Files.writeString(
        day.resolve("l.jsonl"),
        String.join(
            "\n",
            login("t1", "") + login("t2", ""),
            login("t3", "") + "," + login("t4", ""),
            login("t5", "") + " trailing",
            login("t6", "") + "   ",
            login("t7", ",\"user_agent\":\"}{\\\"x\\\":1}\"")),
        StandardCharsets.UTF_8);
    List<Row> rows = validated(InputTable.LOGINS, day);
    Map<String, String> byAccount = new TreeMap<>();
    rows.forEach(
        r ->
            byAccount.put(
                String.valueOf((Object) r.getAs(Cols.ACCOUNT_ID)),
                String.valueOf((Object) r.getAs(Cols.REASON))));
    // Five lines, five rows: nothing after the first record of a line vanishes unseen.
    assertThat(rows).hasSize(5);
    assertThat(reasons(rows))
        .containsEntry(Reasons.UNPARSEABLE_RECORD, 3)
        .containsEntry("valid", 2);
    // Whitespace after a record, and braces inside a string, are not a second record.
    assertThat(byAccount).containsEntry("t6", "null").containsEntry("t7", "null");
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static byte[] bzip2(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream bz =
        new CompressionCodecFactory(new Configuration())
            .getCodecByName("bzip2")
            .createOutputStream(out)) {
      bz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private void parquet(SparkSession spark, List<Row> rows, StructType schema, Path target)
      throws Exception {
    Path tmp = Files.createTempDirectory(dir, "pq");
    spark
        .createDataFrame(new ArrayList<>(rows), schema)
        .coalesce(1)
        .write()
        .mode("overwrite")
        .parquet(tmp.toString());
    try (var files = Files.list(tmp)) {
      Path part =
          files
              .filter(f -> f.getFileName().toString().endsWith(".parquet"))
              .findFirst()
              .orElseThrow();
      Files.copy(part, target);
    }
  }
}
