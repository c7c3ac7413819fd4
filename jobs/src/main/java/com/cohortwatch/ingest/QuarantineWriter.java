package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.io.InputReader;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Writes the rejected records of every table read to the quarantine, in one commit that replaces
 * what an earlier run of the same input wrote there (the same landing days of logins, this run
 * date's rows of a snapshot table), so a rerun does not quarantine a record twice.
 */
final class QuarantineWriter {
  private QuarantineWriter() {}

  static void write(
      List<ValidatedTable> tables,
      LocalDate runDate,
      Instant ingestedAt,
      Warehouse warehouse,
      RunMetrics metrics) {
    warehouse.ensure(TableNames.QUARANTINE, Schemas.QUARANTINE, Cols.RUN_DATE);
    Dataset<Row> all = null;
    List<Where> replaced = new ArrayList<>();
    for (ValidatedTable v : tables) {
      all =
          all == null
              ? rows(v, runDate, ingestedAt)
              : all.unionByName(rows(v, runDate, ingestedAt));
      Where source = Where.equal(Cols.SOURCE_TABLE, v.table().folder());
      replaced.add(
          v.isLogins()
              ? source.and(Where.in(Cols.SOURCE_PARTITION, v.landedDays()))
              : source.and(Where.equal(Cols.RUN_DATE, runDate)));
    }
    if (all == null) {
      return;
    }
    warehouse.replaceWhere(TableNames.QUARANTINE, Schemas.QUARANTINE, all, Where.anyOf(replaced));
    metrics.recordWritten(
        TableNames.QUARANTINE, warehouse.lastCommitOutputRows(TableNames.QUARANTINE));
  }

  /** A table's rejected records in the quarantine's shape. */
  static Dataset<Row> rows(ValidatedTable v, LocalDate runDate, Instant ingestedAt) {
    Column partition =
        v.isLogins() ? col(Cols.LANDED_DATE).cast("string") : lit(null).cast("string");
    return v.rejected()
        .select(
            lit(Date.valueOf(runDate)).as(Cols.RUN_DATE),
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
  }
}
