package com.cohortwatch.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Valid records of every input table, in JSON Lines, CSV and gzip, mutated at random from a fixed
 * seed (byte flips, truncations, Latin-1 bytes, duplicated keys, stray quotes and newlines, huge
 * values). A run ends in success or in a CohortWatchException (the one-line error of the command
 * line), never another exception; and every record read is written, quarantined or dropped as a
 * duplicate or superseded row, as the run says: nothing is lost silently.
 */
class FuzzTest {
  static final LocalDate DAY = LocalDate.of(2026, 11, 20);
  static final long SEED = 20261201L;
  static final String KEY = "fuzz-test-key-of-at-least-32-bytes!";

  @TempDir Path dir;

  @Test
  void mutatedInputsEndInSuccessOrOneCleanErrorAndLoseNothingSilently() throws IOException {
    Random random = new Random(SEED);
    Path input = dir.resolve("input");
    for (int d = 0; d < 2; d++) {
      LocalDate day = DAY.minusDays(d);
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        lines.add(
            String.format(
                "{\"event_id\":\"e%d-%d\",\"account_id\":\"a%d\",\"event_time\":\"%sT%02d:%02d:00Z\","
                    + "\"ip\":\"203.0.113.%d\",\"device_id\":\"d%d\",\"user_agent\":\"UA %d\"}",
                d, i, i % 12, day, i % 24, i % 60, i % 9, i % 5, i));
      }
      lines.add(lines.get(3)); // a duplicate delivery
      byte[] text = mutate(random, lines, false);
      Path folder = input.resolve("logins/date=" + day);
      Files.createDirectories(folder);
      if (d == 0) {
        Files.write(folder.resolve("l.jsonl"), text);
      } else {
        Files.write(folder.resolve("l.jsonl.gz"), gzip(text));
      }
    }
    // a CSV day too
    LocalDate csvDay = DAY.minusDays(2);
    List<String> csv = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      csv.add(
          String.format(
              "e2-%d,a%d,%sT10:%02d:00Z,198.51.100.%d,d%d,\"Mozilla, %d\"",
              i, i % 12, csvDay, i, i % 7, i % 4, i));
    }
    write(
        input.resolve("logins/date=" + csvDay + "/l.csv"),
        "event_id,account_id,event_time,ip,device_id,user_agent",
        csv,
        random);

    List<String> accounts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      accounts.add(
          "{\"account_id\":\"a"
              + i
              + "\",\"created_at\":\"2025-01-01T00:00:00Z\","
              + "\"claimed_country\":\"US\",\"claimed_timezone\":\"America/Chicago\"}");
    }
    Files.createDirectories(input.resolve("accounts"));
    Files.write(input.resolve("accounts/a.jsonl"), mutate(random, accounts, false));
    List<String> payouts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      payouts.add("a" + i + ",PM-RAW-" + (i % 4) + ",bank,2025-01-01T00:00:00Z");
    }
    write(
        input.resolve("payout_methods/p.csv"),
        "account_id,payout_method_id,method_type,added_at",
        payouts,
        random);
    List<String> intel = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      intel.add("{\"network\":\"203.0.113." + (i * 32) + "/27\",\"usage_type\":\"hosting\"}");
    }
    Files.createDirectories(input.resolve("ip_intel"));
    Files.write(input.resolve("ip_intel/i.jsonl"), mutate(random, intel, false));
    List<String> decisions = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      decisions.add("a" + i + ",cleared,2026-11-10T00:00:00Z");
    }
    write(input.resolve("decisions/d.csv"), "account_id,decision,decided_at", decisions, random);

    SparkSession spark = SharedSpark.spark();
    // The default bad-record limit: success, or the one clean error, with nothing published.
    RunMetrics strict = attempt(spark, input, dir.resolve("strict"), "0.05");
    // No limit: ingestion (where records are counted, written or quarantined; the later stages
    // read bronze) must account for every record.
    RunMetrics metrics = new RunMetrics(DAY, "fuzz");
    com.cohortwatch.ingest.IngestStage.run(
        spark,
        config(input, dir.resolve("all"), "1"),
        new com.cohortwatch.io.Warehouse(spark, dir.resolve("all").toString()),
        metrics);
    String message =
        String.valueOf((Object) metrics.toRow(spark, "x", null).first().getAs(Schemas.MESSAGE));
    assertThat(metrics.read())
        .containsKeys("logins", "accounts", "payout_methods", "ip_intel", "decisions");
    long quarantinedTotal = 0;
    for (Map.Entry<String, Long> t : metrics.read().entrySet()) {
      String table = t.getKey();
      long read = t.getValue();
      long quarantined = metrics.quarantined().getOrDefault(table, 0L);
      long written = metrics.written().getOrDefault(table, 0L);
      quarantinedTotal += quarantined;
      long dropped =
          table.equals("logins") ? metrics.duplicatesDropped() : superseded(message, table);
      assertThat(read)
          .as(
              "%s: read = written %d + quarantined %d + dropped %d",
              table, written, quarantined, dropped)
          .isEqualTo(written + quarantined + dropped);
    }
    assertThat(quarantinedTotal).as("the mutations produced bad records").isPositive();
    assertThat(metrics.written().get("quarantine")).isEqualTo(quarantinedTotal);
    if (strict != null) {
      assertThat(strict.read()).isEqualTo(metrics.read());
    }
  }

  /** The run's metrics, or null when it failed with the command line's one-line error. */
  private static RunConfig config(Path input, Path warehouse, String share) {
    return new RunConfig(
        input.toString(),
        warehouse.toString(),
        DAY,
        30,
        Settings.resolve(null, Map.of("privacy.hmac-key", KEY, "ingest.max-bad-share", share)),
        false);
  }

  private static RunMetrics attempt(SparkSession spark, Path input, Path warehouse, String share) {
    RunConfig config = config(input, warehouse, share);
    try {
      return NightlyRun.run(spark, config);
    } catch (CohortWatchException e) {
      assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\tat ");
      return null;
    }
  }

  private static long superseded(String message, String table) {
    Matcher m =
        Pattern.compile(Pattern.quote(table) + ": (\\d+) superseded or duplicate rows")
            .matcher(message);
    return m.find() ? Long.parseLong(m.group(1)) : 0L;
  }

  private static void write(Path file, String header, List<String> rows, Random random)
      throws IOException {
    Files.createDirectories(file.getParent());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((header + "\n").getBytes(StandardCharsets.UTF_8));
    out.write(mutate(random, rows, true));
    Files.write(file, out.toByteArray());
  }

  /** About half the records mutated, one way each; the others as they were. */
  static byte[] mutate(Random random, List<String> lines, boolean csv) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : lines) {
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      int at = random.nextInt(bytes.length);
      String s = line;
      switch (random.nextInt(14)) {
        case 0 -> bytes[at] = (byte) random.nextInt(256); // a byte flip
        case 1 -> bytes = java.util.Arrays.copyOf(bytes, at); // truncated
        case 2 ->
            bytes =
                (s.substring(0, at) + "é" + s.substring(at)).getBytes(StandardCharsets.ISO_8859_1);
        case 3 ->
            bytes =
                (csv
                        ? s.replaceFirst(",", ",dup,")
                        : s.replaceFirst("\\{", "{\"account_id\":\"zz\","))
                    .getBytes(StandardCharsets.UTF_8);
        case 4 ->
            bytes = (s.substring(0, at) + "\"" + s.substring(at)).getBytes(StandardCharsets.UTF_8);
        case 5 ->
            bytes = (s.substring(0, at) + "\n" + s.substring(at)).getBytes(StandardCharsets.UTF_8);
        case 6 ->
            bytes =
                (s.substring(0, at) + "x".repeat(120_000) + s.substring(at))
                    .getBytes(StandardCharsets.UTF_8);
        default -> {}
      }
      out.write(bytes);
      out.write('\n');
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }
}
