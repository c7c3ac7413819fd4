package com.cohortwatch.testing;

import com.cohortwatch.io.Warehouse;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.TableNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Every data table of a warehouse as sorted JSON rows, for "equal content" assertions between two
 * warehouses. {@code ingested_at} is left out: it records when a run happened, not what it found.
 */
public final class WarehouseContents {
  private WarehouseContents() {}

  /** The bronze, rollup and gold tables; the ops tables (run_metrics, ingest_log) log runs. */
  public static final List<String> DATA_TABLES =
      List.of(
          "logins",
          "accounts",
          "payout_methods",
          "ip_intel",
          "decisions",
          TableNames.QUARANTINE,
          TableNames.ATTRIBUTE_DAILY,
          TableNames.IP_SLOTS,
          TableNames.LINK_EVIDENCE,
          TableNames.CLUSTER_MEMBERS,
          TableNames.CLUSTER_RISK,
          TableNames.ACCOUNT_RISK);

  public static Map<String, List<String>> of(SparkSession spark, String root) {
    Warehouse w = new Warehouse(spark, root);
    Map<String, List<String>> contents = new LinkedHashMap<>();
    for (String table : DATA_TABLES) {
      if (!w.exists(table)) {
        contents.put(table, List.of("<absent>"));
        continue;
      }
      Dataset<Row> rows = w.read(table);
      if (List.of(rows.columns()).contains(Cols.INGESTED_AT)) {
        rows = rows.drop(Cols.INGESTED_AT);
      }
      contents.put(
          table, rows.toJSON().collectAsList().stream().sorted().collect(Collectors.toList()));
    }
    return contents;
  }
}
