package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.io.InputFiles;
import com.cohortwatch.io.InputReader;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.retention.Retention;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.values.Pseudonymizer;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The first stage of a run: find the input to read ({@link InputDiscovery}), read and validate it,
 * count it against the limits ({@link IngestGate}), then write the quarantine ({@link
 * QuarantineWriter}) and the bronze tables ({@link BronzeWriter}). All validation and counting
 * happens before the first write, so a run that exceeds the bad-record limit publishes nothing.
 */
public final class IngestStage {
  private IngestStage() {}

  /** What ingestion found: which optional tables exist, and which login days it ingested. */
  public record Result(Map<InputTable, Boolean> present, List<LocalDate> daysIngested) {
    public boolean has(InputTable table) {
      return present.getOrDefault(table, false);
    }
  }

  /** What every table's validation needs, resolved once before anything is read. */
  private record Context(
      Validation.Limits limits, String hmacKey, String keyFingerprint, Dataset<Row> erasures) {}

  public static Result run(
      SparkSession spark, RunConfig config, Warehouse warehouse, RunMetrics metrics) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String input = InputDiscovery.inputFolder(config);
    if (!InputFiles.exists(conf, config.input())) {
      throw new CohortWatchException("input folder " + config.input() + " does not exist");
    }
    Instant ingestedAt = Instant.now();
    Context context = context(conf, config, warehouse);
    boolean reuseSnapshots =
        !config.fullRecompute()
            && config.settings().get(Settings.SNAPSHOT_REUSE).equals(SnapshotStamp.REUSE_UNCHANGED);
    Map<InputTable, Boolean> present = new EnumMap<>(InputTable.class);
    List<ValidatedTable> validated = new ArrayList<>();
    List<LocalDate> days = new ArrayList<>();
    for (InputTable table : InputTable.values()) {
      String folder = input + table.folder();
      Optional<InputDiscovery.Source> source;
      if (table == InputTable.LOGINS) {
        Map<LocalDate, InputFiles.Listing> toIngest =
            InputDiscovery.loginDaysToIngest(conf, folder, config, warehouse);
        days.addAll(toIngest.keySet());
        present.put(table, true);
        source = InputDiscovery.logins(toIngest);
      } else {
        InputFiles.Listing listing = InputFiles.list(conf, folder);
        present.put(table, !listing.isEmpty());
        source =
            InputDiscovery.snapshot(
                table,
                folder,
                listing,
                config,
                warehouse,
                context.keyFingerprint(),
                reuseSnapshots,
                metrics);
      }
      source.ifPresent(s -> validated.add(readAndValidate(spark, s, context, metrics)));
    }
    try {
      validated.forEach(v -> v.rows().persist(StorageLevel.MEMORY_AND_DISK()));
      IngestGate.Passed passed = IngestGate.check(validated, warehouse, config.settings(), metrics);
      // The quarantine first: a snapshot's bronze commit marks its export as ingested (its stamp),
      // so a run killed after that commit must already have quarantined what the export rejected;
      // the rerun does not read that export again.
      QuarantineWriter.write(validated, config.runDate(), ingestedAt, warehouse, metrics);
      Column now = lit(Timestamp.from(ingestedAt));
      for (ValidatedTable v : validated) {
        IngestGate.Counts counts = passed.counts().get(v.table());
        if (v.isLogins()) {
          LocalDate firstDay = days.get(0).minusDays(config.lookbackDays());
          BronzeWriter.writeLogins(v, counts, firstDay, now, warehouse, metrics);
        } else if (!passed.keepPrevious().contains(v.table())) {
          // Validation against the clock (a future-dated record) may judge the same export
          // otherwise tomorrow: such an export is not marked for reuse.
          boolean clockDependent = counts.byReason().containsKey(Reasons.FUTURE_TIMESTAMP);
          String commit =
              SnapshotStamp.commitMetadata(
                  clockDependent ? null : v.stamp(), config.runDate(), metrics.runId());
          BronzeWriter.writeSnapshot(
              v, counts, now, commit, context.keyFingerprint(), warehouse, metrics);
        }
      }
    } finally {
      validated.forEach(v -> v.rows().unpersist());
    }
    metrics.addDaysIngested(days);
    return new Result(present, days);
  }

  /**
   * The validation limits, the pseudonyms' key (resolved before any write: a run without a key, or
   * with another key than the warehouse's, fails with nothing changed) and the erasure list.
   */
  private static Context context(Configuration conf, RunConfig config, Warehouse warehouse) {
    Validation.Limits limits =
        new Validation.Limits(
            config.runDate(),
            config.settings().getInt(Settings.FUTURE_SKEW_HOURS),
            LocalDate.parse(config.settings().get(Settings.EARLIEST_VALID_DATE)));
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
    Dataset<Row> erasures =
        warehouse.exists(TableNames.ERASURES) ? warehouse.read(TableNames.ERASURES) : null;
    return new Context(limits, hmacKey, Pseudonymizer.fingerprint(hmacKey), erasures);
  }

  /**
   * A source's records, each valid or with its reason; erased accounts' records dropped, payout ids
   * pseudonymised.
   */
  private static ValidatedTable readAndValidate(
      SparkSession spark, InputDiscovery.Source source, Context context, RunMetrics metrics) {
    InputTable table = source.table();
    Dataset<Row> raw = null;
    for (InputFiles.Listing listing : source.listings()) {
      Dataset<Row> part = InputReader.read(spark, table, listing);
      raw = raw == null ? part : raw.unionByName(part);
    }
    Dataset<Row> rows =
        withoutErased(
            table, Validation.validate(table, raw, context.limits()), context.erasures(), metrics);
    if (table == InputTable.PAYOUT_METHODS) {
      rows = pseudonymisePayouts(rows, context.hmacKey());
    }
    return new ValidatedTable(table, rows, source.landedDays(), source.stamp());
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
}
