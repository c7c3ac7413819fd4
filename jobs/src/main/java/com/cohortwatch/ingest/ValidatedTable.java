package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One input table read and validated, before anything is written: every record, the rejected ones
 * with a reason. Logins carry the landed days read, a snapshot table the stamp of the export it was
 * read from ({@link SnapshotStamp}), each null for the other.
 */
record ValidatedTable(
    InputTable table, Dataset<Row> rows, List<LocalDate> landedDays, String stamp) {
  /**
   * Only a rejected record's raw text is written (to quarantine), so valid rows drop theirs before
   * the rows are persisted: at 1M accounts the raw text was most of 11 GB held between the count by
   * reason and the writes.
   */
  ValidatedTable {
    rows = rows.withColumn(Cols.RAW, when(col(Cols.REASON).isNotNull(), col(Cols.RAW)));
  }

  boolean isLogins() {
    return table == InputTable.LOGINS;
  }

  Dataset<Row> valid() {
    return rows.filter(col(Cols.REASON).isNull());
  }

  Dataset<Row> rejected() {
    return rows.filter(col(Cols.REASON).isNotNull());
  }
}
