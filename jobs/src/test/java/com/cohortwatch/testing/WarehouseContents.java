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
          TableNames.CO_LOGIN_MEETINGS,
          TableNames.LINK_EVIDENCE,
          TableNames.CLUSTER_MEMBERS,
          TableNames.CLUSTER_RISK,
          TableNames.ACCOUNT_RISK);

  /**
   * The rows of one table that differ, prefixed "+ " (only in actual) or "- " (only in expected):
   * empty when equal, and short enough to read when not.
   */
  public static List<String> difference(List<String> actual, List<String> expected) {
    java.util.List<String> out = new java.util.ArrayList<>();
    java.util.Map<String, Long> counts = new java.util.HashMap<>();
    actual.forEach(r -> counts.merge(r, 1L, Long::sum));
    expected.forEach(r -> counts.merge(r, -1L, Long::sum));
    counts.forEach(
        (row, n) -> {
          for (long i = 0; i < Math.abs(n); i++) {
            out.add((n > 0 ? "+ " : "- ") + row);
          }
        });
    out.sort(java.util.Comparator.comparing((String r) -> r.substring(2)));
    return out;
  }

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

  /**
   * Every file under {@code root} whose bytes contain {@code text}, and every Parquet file of a
   * {@code _delta_log} or {@code _change_data} folder whose rows do (Parquet may compress it; data
   * files are read as tables by the callers): commit logs, checkpoints, change data, checksums.
   */
  public static List<String> filesMentioning(
      SparkSession spark, java.nio.file.Path root, String text) {
    String needle =
        new String(
            text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            java.nio.charset.StandardCharsets.ISO_8859_1);
    List<String> found = new java.util.ArrayList<>();
    Map<java.nio.file.Path, List<String>> logParquet = new LinkedHashMap<>();
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(root)) {
      for (java.nio.file.Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        String bytes =
            new String(
                java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
        if (bytes.contains(needle)) {
          found.add(root.relativize(f).toString());
        } else if (f.getFileName().toString().endsWith(".parquet")
            && root.relativize(f).toString().matches(".*(_delta_log|_change_data).*")) {
          logParquet
              .computeIfAbsent(f.getParent(), k -> new java.util.ArrayList<>())
              .add(f.toString());
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    logParquet.forEach(
        (folder, files) -> {
          boolean hit =
              spark
                  .read()
                  .option("mergeSchema", "true")
                  .parquet(files.toArray(new String[0]))
                  .toJSON()
                  .collectAsList()
                  .stream()
                  .anyMatch(r -> r.contains(text));
          if (hit) {
            found.add(root.relativize(folder) + "/*.parquet");
          }
        });
    return found;
  }
}
