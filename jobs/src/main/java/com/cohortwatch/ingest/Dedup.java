package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import com.cohortwatch.io.InputReader;
import com.cohortwatch.schema.Cols;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/** Deduplication rules of the contract, deterministic so a rerun keeps the same row. */
public final class Dedup {
  private Dedup() {}

  private static final String RANK = "_rank";

  /** The same event delivered twice is one event: keep its first delivery (earliest landing). */
  public static Dataset<Row> firstDeliveryPerEvent(Dataset<Row> validLogins) {
    return keepFirst(
        validLogins,
        new Column[] {col(Cols.EVENT_KEY)},
        col(Cols.LANDED_DATE).asc_nulls_last(),
        col(InputReader.SOURCE_FILE).asc(),
        col(InputReader.ROW_ORDER).asc());
  }

  /**
   * Snapshot tables: a later export replaces an earlier one. "Later" is the later file name
   * (exports are named by date), then the later line within a file.
   */
  public static Dataset<Row> latestPerKey(Dataset<Row> validRows, String... keys) {
    Column[] keyColumns = new Column[keys.length];
    for (int i = 0; i < keys.length; i++) {
      keyColumns[i] = col(keys[i]);
    }
    return keepFirst(
        validRows,
        keyColumns,
        col(InputReader.SOURCE_FILE).desc(),
        col(InputReader.ROW_ORDER).desc());
  }

  private static Dataset<Row> keepFirst(Dataset<Row> rows, Column[] keys, Column... order) {
    return rows.withColumn(RANK, row_number().over(Window.partitionBy(keys).orderBy(order)))
        .filter(col(RANK).equalTo(1))
        .drop(RANK);
  }
}
