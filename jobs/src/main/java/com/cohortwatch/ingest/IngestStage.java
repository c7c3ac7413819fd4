package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.io.InputFiles;
import com.cohortwatch.io.InputReader;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.retention.Retention;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.values.Pseudonymizer;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of a run: read every input table, validate, deduplicate, and write the bronze
 * tables and the quarantine. All validation and counting happens before the first write, so a run
 * that exceeds the bad-record limit publishes nothing.
 */
public final class IngestStage {
  private static final Logger LOG = LoggerFactory.getLogger(IngestStage.class);

  private IngestStage() {}

  /** What ingestion found: which optional tables exist, and which login days it ingested. */
  public record Result(Map<InputTable, Boolean> present, List<LocalDate> daysIngested) {
    public boolean has(InputTable table) {
      return present.getOrDefault(table, false);
    }
  }

  /**
   * One table, read and validated, before anything is written; logins carry the landed days read, a
   * snapshot table the stamp of the export it was read from ({@link SnapshotStamp}), each null for
   * the other.
   */
  private record Validated(
      InputTable table, Dataset<Row> rows, List<LocalDate> landedDays, String stamp) {
    /**
     * Only a rejected record's raw text is written (to quarantine), so valid rows drop theirs
     * before the rows are persisted: at 1M accounts the raw text was most of 11 GB held between the
     * count by reason and the writes.
     */
    Validated {
      rows = rows.withColumn(Cols.RAW, when(col(Cols.REASON).isNotNull(), col(Cols.RAW)));
    }
  }

  public static Result run(
      SparkSession spark, RunConfig config, Warehouse warehouse, RunMetrics metrics) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String input = config.input().endsWith("/") ? config.input() : config.input() + "/";
    if (!InputFiles.exists(conf, config.input())) {
      throw new CohortWatchException("input folder " + config.input() + " does not exist");
    }
    Validation.Limits limits =
        new Validation.Limits(
            config.runDate(),
            config.settings().getInt(Settings.FUTURE_SKEW_HOURS),
            LocalDate.parse(config.settings().get(Settings.EARLIEST_VALID_DATE)));
    Instant ingestedAt = Instant.now();
    // Resolved before any write: a run without a key fails with nothing changed.
    String hmacKey =
        Pseudonymizer.resolveKey(
            config.settings().get(Settings.HMAC_KEY),
            config.settings().get(Settings.HMAC_KEY_FILE),
            config.sampleRun(),
            conf);
    if (warehouse.exists(InputTable.PAYOUT_METHODS.folder())) {
      Pseudonymizer.checkFingerprint(
          warehouse
              .properties(InputTable.PAYOUT_METHODS.folder())
              .get(Pseudonymizer.FINGERPRINT_PROPERTY),
          hmacKey,
          warehouse.root());
    }
    String keyFingerprint = Pseudonymizer.fingerprint(hmacKey);

    Dataset<Row> erasures =
        warehouse.exists(TableNames.ERASURES) ? warehouse.read(TableNames.ERASURES) : null;
    boolean reuseSnapshots =
        !config.fullRecompute()
            && config.settings().get(Settings.SNAPSHOT_REUSE).equals(SnapshotStamp.REUSE_UNCHANGED);
    Map<InputTable, Boolean> present = new EnumMap<>(InputTable.class);
    List<Validated> validated = new ArrayList<>();
    List<LocalDate> days = new ArrayList<>();
    for (InputTable table : InputTable.values()) {
      String folder = input + table.folder();
      if (table == InputTable.LOGINS) {
        Map<LocalDate, InputFiles.Listing> toIngest =
            loginDaysToIngest(spark, conf, folder, config, warehouse);
        days.addAll(toIngest.keySet());
        present.put(table, true);
        if (toIngest.isEmpty()) {
          continue;
        }
        // Days may differ in format (an export pipeline that moved from CSV to Parquet).
        Map<InputFiles.Format, List<String>> byFormat = new EnumMap<>(InputFiles.Format.class);
        toIngest
            .values()
            .forEach(
                l ->
                    byFormat.computeIfAbsent(l.format(), f -> new ArrayList<>()).addAll(l.files()));
        Dataset<Row> raw = null;
        for (Map.Entry<InputFiles.Format, List<String>> e : byFormat.entrySet()) {
          Dataset<Row> part =
              InputReader.read(spark, table, new InputFiles.Listing(e.getKey(), e.getValue(), 0));
          raw = raw == null ? part : raw.unionByName(part);
        }
        validated.add(
            new Validated(
                table,
                withoutErased(table, Validation.validate(table, raw, limits), erasures, metrics),
                days,
                null));
        continue;
      }
      InputFiles.Listing listing = InputFiles.list(conf, folder);
      present.put(table, !listing.isEmpty());
      if (listing.isEmpty()) {
        if (table.required()) {
          throw new CohortWatchException(
              "required input table " + table.folder() + " has no files under " + folder);
        }
        metrics.note("optional input " + table.folder() + " absent: " + skippedBecause(table));
        continue;
      }
      String stamp = SnapshotStamp.of(table, listing, config.settings(), keyFingerprint);
      Optional<String> ingestedBy =
          reuseSnapshots
              ? SnapshotStamp.ingestedBy(warehouse, table.folder(), stamp)
              : Optional.empty();
      if (ingestedBy.isPresent()) {
        LOG.info(
            "{}: the export ({} files, {} bytes) is the one the run of {} ingested; bronze kept",
            table.folder(),
            listing.files().size(),
            listing.totalBytes(),
            ingestedBy.get());
        metrics.recordUnchanged(table.folder(), ingestedBy.get());
        continue;
      }
      Dataset<Row> raw = InputReader.read(spark, table, listing);
      Dataset<Row> rows =
          withoutErased(table, Validation.validate(table, raw, limits), erasures, metrics);
      if (table == InputTable.PAYOUT_METHODS) {
        rows = pseudonymisePayouts(rows, hmacKey);
      }
      validated.add(new Validated(table, rows, null, stamp));
    }

    // Count every table's outcomes by reason (one aggregate job per table), then check the limit.
    double maxBadShare = config.settings().getDouble(Settings.MAX_BAD_SHARE);
    java.util.Set<InputTable> keepPrevious = java.util.EnumSet.noneOf(InputTable.class);
    for (Validated v : validated) {
      v.rows().persist(StorageLevel.MEMORY_AND_DISK());
      Map<String, Long> byReason = countByReason(v.rows());
      long total = byReason.values().stream().mapToLong(Long::longValue).sum();
      long valid = byReason.getOrDefault("", 0L);
      byReason.remove("");
      long rejected = total - valid;
      metrics.recordRead(v.table().folder(), total, rejected, byReason);
      if (total > 0 && (double) rejected / total > maxBadShare) {
        validated.forEach(x -> x.rows().unpersist());
        throw new CohortWatchException(
            String.format(
                "input table %s: %d of %d records (%.1f%%) are invalid, over the limit of %.1f%% (%s); nothing was published",
                v.table().folder(),
                rejected,
                total,
                100.0 * rejected / total,
                100 * maxBadShare,
                byReason.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(", "))));
      }
      String shrunk = shrunkSnapshot(v.table(), valid, warehouse, config.settings());
      if (shrunk != null) {
        if (config.settings().get(Settings.SNAPSHOT_SHRINK_ACTION).equals("fail")) {
          validated.forEach(x -> x.rows().unpersist());
          throw new CohortWatchException(
              shrunk
                  + "; nothing was published (--conf "
                  + Settings.SNAPSHOT_SHRINK_ACTION.name()
                  + "=warn goes on with the previous snapshot)");
        }
        metrics.note("WARNING " + shrunk + ": kept the previous bronze " + v.table().folder());
        keepPrevious.add(v.table());
      }
    }

    try {
      // The quarantine first: a snapshot's bronze commit marks its export as ingested (its stamp),
      // so a run killed after that commit must already have quarantined what the export rejected;
      // the rerun does not read that export again.
      writeQuarantine(validated, warehouse, config, ingestedAt, metrics);
      for (Validated v : validated) {
        if (!keepPrevious.contains(v.table())) {
          writeBronze(spark, v, warehouse, config, metrics, ingestedAt, days, keyFingerprint);
        }
      }
    } finally {
      validated.forEach(v -> v.rows().unpersist());
    }
    metrics.addDaysIngested(days);
    return new Result(present, days);
  }

  /**
   * Payout method ids enter the warehouse only as keyed pseudonyms, in bronze and in a rejected
   * record (whose text Validation rebuilt from its fields, the id's place marked); an unparseable
   * payout record keeps only a hash of its text.
   */
  static Dataset<Row> pseudonymisePayouts(Dataset<Row> rows, String hmacKey) {
    Column id = col(Cols.PAYOUT_METHOD_ID);
    return rows.withColumn("_pseudonym", Pseudonymizer.udfFor(hmacKey).apply(id))
        .withColumn(
            Cols.RAW,
            when(
                    col(InputReader.MALFORMED).unary_$bang(),
                    org.apache.spark.sql.functions.replace(
                        col(Cols.RAW),
                        lit(Validation.PAYOUT_ID_MARKER),
                        coalesce(col("_pseudonym"), lit(""))))
                .otherwise(
                    concat(
                        lit("[redacted payout record, sha256 "),
                        sha2(coalesce(col(Cols.RAW), lit("")), 256),
                        lit("]"))))
        .withColumn(Cols.PAYOUT_METHOD_ID, col("_pseudonym"))
        .drop("_pseudonym")
        .drop(InputReader.MALFORMED);
  }

  /**
   * Why a snapshot table's new export must not replace its bronze, or null: its valid records fell
   * to none, or by more than the configured share of the rows in bronze. An empty or truncated
   * export would otherwise silently remove every account or payout link.
   */
  static String shrunkSnapshot(
      InputTable table, long valid, Warehouse warehouse, Settings settings) {
    if (table == InputTable.LOGINS || !warehouse.exists(table.folder())) {
      return null;
    }
    long previous = warehouse.read(table.folder()).count();
    double maxShrink = settings.getDouble(Settings.SNAPSHOT_MAX_SHRINK);
    if (previous == 0 || (valid > 0 && valid >= previous * (1 - maxShrink))) {
      return null;
    }
    return String.format(
        "input table %s: %d valid records against %d in bronze, a drop of %.0f%% (limit %s %.0f%%)",
        table.folder(),
        valid,
        previous,
        100.0 * (previous - valid) / previous,
        Settings.SNAPSHOT_MAX_SHRINK.name(),
        100 * maxShrink);
  }

  /** Records of erased accounts never re-enter the warehouse; how many were dropped is noted. */
  private static Dataset<Row> withoutErased(
      InputTable table, Dataset<Row> rows, Dataset<Row> erasures, RunMetrics metrics) {
    Dataset<Row> kept = Retention.withoutErased(rows, erasures);
    if (kept != rows) {
      long dropped =
          rows.join(
                  erasures,
                  sha2(col(Cols.ACCOUNT_ID), 256).equalTo(erasures.col(Schemas.ACCOUNT_HASH)),
                  "left_semi")
              .count();
      if (dropped > 0) {
        metrics.note(table.folder() + ": dropped " + dropped + " records of erased accounts");
      }
    }
    return kept;
  }

  private static String skippedBecause(InputTable table) {
    return switch (table) {
      case IP_INTEL -> "IP enrichment (usage type, IP country) is skipped";
      case PAYOUT_METHODS -> "no payout links";
      case DECISIONS -> "no moderation feedback";
      default -> "";
    };
  }

  static Map<String, Long> countByReason(Dataset<Row> rows) {
    Map<String, Long> counts = new TreeMap<>();
    for (Row r :
        rows.groupBy(coalesce(col(Cols.REASON), lit("")).as("r")).count().collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    return counts;
  }

  /**
   * Landed days up to the run date that are not ingested yet, or whose files changed since (late
   * files added to an old folder); the run date itself is always (re)ingested.
   */
  static Map<LocalDate, InputFiles.Listing> loginDaysToIngest(
      SparkSession spark,
      Configuration conf,
      String loginsFolder,
      RunConfig config,
      Warehouse warehouse) {
    TreeMap<LocalDate, String> folders = InputFiles.dayFolders(conf, loginsFolder);
    if (folders.isEmpty()) {
      throw new CohortWatchException(
          "required input table logins has no date=YYYY-MM-DD folders under " + loginsFolder);
    }
    Map<LocalDate, long[]> logged = new TreeMap<>();
    if (warehouse.exists(TableNames.INGEST_LOG)) {
      for (Row r : warehouse.read(TableNames.INGEST_LOG).collectAsList()) {
        logged.put(r.getDate(0).toLocalDate(), new long[] {r.getLong(1), r.getLong(2)});
      }
    }
    if (folders.firstKey().isAfter(config.runDate())) {
      throw new CohortWatchException(
          "run date "
              + config.runDate()
              + " is before the earliest login data ("
              + folders.firstKey()
              + "): nothing to score");
    }
    Map<LocalDate, InputFiles.Listing> result = new LinkedHashMap<>();
    for (Map.Entry<LocalDate, String> day : folders.headMap(config.runDate(), true).entrySet()) {
      InputFiles.Listing listing = InputFiles.list(conf, day.getValue());
      long[] before = logged.get(day.getKey());
      boolean changed =
          before == null
              || before[0] != listing.files().size()
              || before[1] != listing.totalBytes();
      if (day.getKey().equals(config.runDate()) || changed) {
        result.put(day.getKey(), listing);
      }
    }
    result.values().removeIf(InputFiles.Listing::isEmpty);
    return result;
  }

  private static void writeBronze(
      SparkSession spark,
      Validated v,
      Warehouse warehouse,
      RunConfig config,
      RunMetrics metrics,
      Instant ingestedAt,
      List<LocalDate> days,
      String keyFingerprint) {
    InputTable table = v.table();
    String name = table.folder();
    Dataset<Row> valid = v.rows().filter(col(Cols.REASON).isNull());
    Column now = lit(Timestamp.from(ingestedAt));
    switch (table) {
      case LOGINS -> {
        warehouse.ensure(name, Schemas.BRONZE_LOGINS, Cols.EVENT_DATE);
        long validCount = metrics.read().get(name) - metrics.quarantined().get(name);
        Where thisBatch = Where.in(Cols.LANDED_DATE, v.landedDays());
        Dataset<Row> batch = Dedup.firstDeliveryPerEvent(valid);
        Dataset<Row> existing = warehouse.read(name);
        LocalDate firstDay = days.get(0).minusDays(config.lookbackDays());
        // The same event delivered again on a later (or earlier) landing day is still one event.
        Dataset<Row> elsewhere =
            existing
                .filter(col(Cols.EVENT_DATE).geq(lit(Date.valueOf(firstDay))))
                .filter(org.apache.spark.sql.functions.not(thisBatch.column()))
                .select(col(Cols.EVENT_KEY))
                .transform(keys -> Dedup.mayRepeatBatch(keys, valid, validCount));
        batch =
            batch.join(
                elsewhere,
                batch.col(Cols.EVENT_KEY).equalTo(elsewhere.col(Cols.EVENT_KEY)),
                "left_anti");
        Dataset<Row> previous =
            existing
                .filter(thisBatch.column())
                .select(
                    col(Cols.EVENT_KEY).as("_k"), col(Cols.INGESTED_AT).as("_prev_ingested_at"));
        batch =
            batch
                .join(previous, batch.col(Cols.EVENT_KEY).equalTo(previous.col("_k")), "left")
                .withColumn(Cols.INGESTED_AT, coalesce(col("_prev_ingested_at"), now));
        warehouse.replaceWhere(name, Schemas.BRONZE_LOGINS, batch, thisBatch);
        long written = warehouse.lastCommitOutputRows(name);
        metrics.recordWritten(name, written);
        metrics.addDuplicatesDropped(validCount - written);
        metrics.addLateEvents(
            warehouse
                .read(name)
                .filter(thisBatch.column())
                .filter(col(Cols.EVENT_DATE).lt(col(Cols.LANDED_DATE)))
                .count());
      }
      default -> {
        String[] keys =
            switch (table) {
              case ACCOUNTS -> new String[] {Cols.ACCOUNT_ID};
              case PAYOUT_METHODS -> new String[] {Cols.ACCOUNT_ID, Cols.PAYOUT_METHOD_ID};
              case IP_INTEL -> new String[] {Cols.NETWORK};
              case DECISIONS -> new String[] {Cols.ACCOUNT_ID, Cols.DECIDED_AT};
              default -> throw new IllegalStateException();
            };
        var schema = Schemas.bronze(table);
        // The pseudonyms' key, by fingerprint: a later run with another key fails (above).
        warehouse.ensure(
            name,
            schema,
            table == InputTable.PAYOUT_METHODS
                ? Map.of(Pseudonymizer.FINGERPRINT_PROPERTY, keyFingerprint)
                : Map.of());
        Dataset<Row> latest = Dedup.latestPerKey(valid, keys);
        Dataset<Row> rows = carryOverIngestedAt(latest, warehouse.read(name), schema, now);
        // Validation against the clock (a future-dated record) may judge the same export otherwise
        // tomorrow: such an export is not marked for reuse.
        boolean clockDependent =
            metrics.reasons().getOrDefault(name, Map.of()).containsKey(Reasons.FUTURE_TIMESTAMP);
        warehouse.overwrite(
            name,
            schema,
            rows,
            SnapshotStamp.commitMetadata(
                clockDependent ? null : v.stamp(), config.runDate(), metrics.runId()));
        long written = warehouse.lastCommitOutputRows(name);
        metrics.recordWritten(name, written);
        long validCount = metrics.read().get(name) - metrics.quarantined().get(name);
        if (validCount > written) {
          metrics.note(
              name
                  + ": "
                  + (validCount - written)
                  + " superseded or duplicate rows replaced by a later export");
        }
      }
    }
  }

  /** An unchanged row keeps the time it was first ingested, so a rerun changes no content. */
  static Dataset<Row> carryOverIngestedAt(
      Dataset<Row> rows,
      Dataset<Row> existing,
      org.apache.spark.sql.types.StructType schema,
      Column now) {
    List<Column> content = new ArrayList<>();
    for (StructField f : schema.fields()) {
      if (!f.name().equals(Cols.INGESTED_AT)) {
        content.add(col(f.name()));
      }
    }
    Column hash = sha2(to_json(struct(content.toArray(new Column[0]))), 256);
    Dataset<Row> previous =
        Warehouse.conform(existing, schema)
            .select(hash.as("_h"), col(Cols.INGESTED_AT).as("_prev"))
            .dropDuplicates("_h");
    Dataset<Row> hashed =
        Warehouse.conform(rows.withColumn(Cols.INGESTED_AT, now), schema).withColumn("_h", hash);
    return hashed
        .join(previous, hashed.col("_h").equalTo(previous.col("_h")), "left")
        .withColumn(Cols.INGESTED_AT, coalesce(col("_prev"), hashed.col(Cols.INGESTED_AT)))
        .drop(previous.col("_h"))
        .drop(hashed.col("_h"))
        .drop("_prev");
  }

  private static void writeQuarantine(
      List<Validated> validated,
      Warehouse warehouse,
      RunConfig config,
      Instant ingestedAt,
      RunMetrics metrics) {
    warehouse.ensure(TableNames.QUARANTINE, Schemas.QUARANTINE, Cols.RUN_DATE);
    Dataset<Row> all = null;
    List<Where> replaced = new ArrayList<>();
    for (Validated v : validated) {
      Column partition =
          v.table() == InputTable.LOGINS
              ? col(Cols.LANDED_DATE).cast("string")
              : lit(null).cast("string");
      Dataset<Row> rejected =
          v.rows()
              .filter(col(Cols.REASON).isNotNull())
              .select(
                  lit(Date.valueOf(config.runDate())).as(Cols.RUN_DATE),
                  lit(v.table().folder()).as(Cols.SOURCE_TABLE),
                  partition.as(Cols.SOURCE_PARTITION),
                  // Cut: an attacker's megabyte-long field must not fill the quarantine.
                  when(
                          length(col(Cols.RAW)).gt(InputReader.MAX_RECORD_CHARS),
                          concat(
                              expr("substring(raw, 1, " + InputReader.MAX_RECORD_CHARS + ")"),
                              lit("...[cut]")))
                      .otherwise(col(Cols.RAW))
                      .as(Cols.RAW),
                  col(Cols.REASON),
                  col(Cols.DETAIL),
                  lit(Timestamp.from(ingestedAt)).as(Cols.INGESTED_AT));
      all = all == null ? rejected : all.unionByName(rejected);
      Where source = Where.equal(Cols.SOURCE_TABLE, v.table().folder());
      replaced.add(
          v.table() == InputTable.LOGINS
              ? source.and(Where.in(Cols.SOURCE_PARTITION, v.landedDays()))
              : source.and(Where.equal(Cols.RUN_DATE, config.runDate())));
    }
    if (all == null) {
      return;
    }
    warehouse.replaceWhere(TableNames.QUARANTINE, Schemas.QUARANTINE, all, Where.anyOf(replaced));
    metrics.recordWritten(
        TableNames.QUARANTINE, warehouse.lastCommitOutputRows(TableNames.QUARANTINE));
  }

  /**
   * Marks login days as done. Called only after everything derived from them (the rollups) is
   * committed: a run killed before this point re-ingests the same days on its rerun, so no derived
   * table is left behind its bronze input.
   */
  public static void recordIngestedDays(
      SparkSession spark, RunConfig config, Warehouse warehouse, List<LocalDate> days) {
    if (days.isEmpty()) {
      return;
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String input = config.input().endsWith("/") ? config.input() : config.input() + "/";
    Instant ingestedAt = Instant.now();
    TreeMap<LocalDate, String> folders =
        InputFiles.dayFolders(conf, input + InputTable.LOGINS.folder());
    List<Row> rows = new ArrayList<>();
    for (LocalDate day : days) {
      InputFiles.Listing l = InputFiles.list(conf, folders.get(day));
      rows.add(
          RowFactory.create(
              Date.valueOf(day),
              (long) l.files().size(),
              l.totalBytes(),
              Date.valueOf(config.runDate()),
              Timestamp.from(ingestedAt)));
    }
    warehouse.ensure(TableNames.INGEST_LOG, Schemas.INGEST_LOG);
    warehouse.replaceWhere(
        TableNames.INGEST_LOG,
        Schemas.INGEST_LOG,
        spark.createDataFrame(rows, Schemas.INGEST_LOG),
        Where.in(Cols.LANDED_DATE, days));
  }
}
