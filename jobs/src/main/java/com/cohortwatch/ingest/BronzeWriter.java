package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.values.Pseudonymizer;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a validated table's valid records to its bronze table: logins merged by landing day with
 * each event once, a snapshot table replaced by its export's latest row per key.
 */
final class BronzeWriter {
  private BronzeWriter() {}

  /**
   * The landed days' logins replace what bronze held for those days; an event already in bronze
   * from another landing day within the window is not written again.
   *
   * @param firstDay the first event day where a repeat is looked for
   * @param ingestedAt this run's ingestion time, kept by rows bronze already held
   */
  static void writeLogins(
      ValidatedTable v,
      IngestGate.Counts counts,
      LocalDate firstDay,
      Column ingestedAt,
      Warehouse warehouse,
      RunMetrics metrics) {
    String name = v.table().folder();
    Dataset<Row> valid = v.valid();
    warehouse.ensure(name, Schemas.BRONZE_LOGINS, Cols.EVENT_DATE);
    Where thisBatch = Where.in(Cols.LANDED_DATE, v.landedDays());
    Dataset<Row> batch = Dedup.firstDeliveryPerEvent(valid);
    Dataset<Row> existing = warehouse.read(name);
    // The same event delivered again on a later (or earlier) landing day is still one event.
    Dataset<Row> elsewhere =
        existing
            .filter(col(Cols.EVENT_DATE).geq(lit(Date.valueOf(firstDay))))
            .filter(not(thisBatch.column()))
            .select(col(Cols.EVENT_KEY))
            .transform(keys -> Dedup.mayRepeatBatch(keys, valid, counts.valid()));
    batch =
        batch.join(
            elsewhere,
            batch.col(Cols.EVENT_KEY).equalTo(elsewhere.col(Cols.EVENT_KEY)),
            "left_anti");
    Dataset<Row> previous =
        existing
            .filter(thisBatch.column())
            .select(col(Cols.EVENT_KEY).as("_k"), col(Cols.INGESTED_AT).as("_prev_ingested_at"));
    batch =
        batch
            .join(previous, batch.col(Cols.EVENT_KEY).equalTo(previous.col("_k")), "left")
            .withColumn(Cols.INGESTED_AT, coalesce(col("_prev_ingested_at"), ingestedAt));
    warehouse.replaceWhere(name, Schemas.BRONZE_LOGINS, batch, thisBatch);
    long written = warehouse.lastCommitOutputRows(name);
    metrics.recordWritten(name, written);
    metrics.addDuplicatesDropped(counts.valid() - written);
    metrics.addLateEvents(
        warehouse
            .read(name)
            .filter(thisBatch.column())
            .filter(col(Cols.EVENT_DATE).lt(col(Cols.LANDED_DATE)))
            .count());
  }

  /**
   * A snapshot table's bronze replaced by its export: the latest row per key, each unchanged row
   * keeping the time it was first ingested. The commit carries the export's stamp, so an unchanged
   * export is not read again, unless validation judged it against the clock.
   *
   * @param commitMetadata {@link SnapshotStamp#commitMetadata}
   * @param keyFingerprint the pseudonyms' key, recorded on the payout table
   */
  static void writeSnapshot(
      ValidatedTable v,
      IngestGate.Counts counts,
      Column ingestedAt,
      String commitMetadata,
      String keyFingerprint,
      Warehouse warehouse,
      RunMetrics metrics) {
    InputTable table = v.table();
    String name = table.folder();
    StructType schema = Schemas.bronze(table);
    // The pseudonyms' key, by fingerprint: a later run with another key fails.
    warehouse.ensure(
        name,
        schema,
        table == InputTable.PAYOUT_METHODS
            ? Map.of(Pseudonymizer.FINGERPRINT_PROPERTY, keyFingerprint)
            : Map.of());
    Dataset<Row> latest = Dedup.latestPerKey(v.valid(), keys(table));
    Dataset<Row> rows = carryOverIngestedAt(latest, warehouse.read(name), schema, ingestedAt);
    warehouse.overwrite(name, schema, rows, commitMetadata);
    long written = warehouse.lastCommitOutputRows(name);
    metrics.recordWritten(name, written);
    if (counts.valid() > written) {
      metrics.note(
          name
              + ": "
              + (counts.valid() - written)
              + " superseded or duplicate rows replaced by a later export");
    }
  }

  /** A snapshot table's key: its latest row per key is the one kept. */
  private static String[] keys(InputTable table) {
    return switch (table) {
      case ACCOUNTS -> new String[] {Cols.ACCOUNT_ID};
      case PAYOUT_METHODS -> new String[] {Cols.ACCOUNT_ID, Cols.PAYOUT_METHOD_ID};
      case IP_INTEL -> new String[] {Cols.NETWORK};
      case DECISIONS -> new String[] {Cols.ACCOUNT_ID, Cols.DECIDED_AT};
      case LOGINS -> throw new IllegalArgumentException("logins are not a snapshot table");
    };
  }

  /** An unchanged row keeps the time it was first ingested, so a rerun changes no content. */
  static Dataset<Row> carryOverIngestedAt(
      Dataset<Row> rows, Dataset<Row> existing, StructType schema, Column now) {
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
}
