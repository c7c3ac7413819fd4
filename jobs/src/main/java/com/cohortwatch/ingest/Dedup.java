package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.udf;

import com.cohortwatch.io.InputReader;
import com.cohortwatch.schema.Cols;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.sketch.BloomFilter;

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
   * A batch up to this many events gets a Bloom filter of its keys (about 19 MB at the false
   * positive rate below); a larger one, a backfill, is anti-joined against all earlier keys.
   */
  static final long BLOOM_MAX_KEYS = 16_000_000L;

  /** A false positive only costs one more row in the anti-join. */
  static final double BLOOM_FALSE_POSITIVE_RATE = 0.01;

  /**
   * The earlier deliveries' keys that may repeat one of the batch's events. A night of 1.4 M events
   * at 1M accounts was anti-joined against a shuffle of the window's 40 M earlier keys; a Bloom
   * filter of the batch's keys drops all but about 1 % of them before that join. A key the filter
   * drops is not in the batch, so the anti-join's answer is the same.
   *
   * @param earlierKeys one column, event_key
   * @param batch the batch's rows, with event_key; read once more to build the filter (persist it)
   * @param batchRows the batch's row count, which sizes the filter
   */
  public static Dataset<Row> mayRepeatBatch(
      Dataset<Row> earlierKeys, Dataset<Row> batch, long batchRows) {
    if (batchRows <= 0 || batchRows > BLOOM_MAX_KEYS) {
      return earlierKeys;
    }
    BloomFilter keys =
        batch.stat().bloomFilter(Cols.EVENT_KEY, batchRows, BLOOM_FALSE_POSITIVE_RATE);
    // A null key matches nothing in the anti-join, so dropping it changes nothing either.
    UDF1<String, Boolean> mayRepeat = k -> k != null && keys.mightContainString(k);
    return earlierKeys.filter(udf(mayRepeat, DataTypes.BooleanType).apply(col(Cols.EVENT_KEY)));
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
