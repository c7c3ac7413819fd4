package com.cohortwatch.io;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.schema.TableNames;
import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Delta warehouse: every table lives at {@code <root>/<name>}, is created from an explicit
 * schema before its first write, and is written in one atomic Delta commit per call.
 */
public final class Warehouse {
  private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);
  private final SparkSession spark;
  private final String root;

  public Warehouse(SparkSession spark, String root) {
    this.spark = spark;
    this.root = absolute(spark, root.endsWith("/") ? root.substring(0, root.length() - 1) : root);
  }

  /**
   * A relative root ({@code --warehouse wh} from the shell) made absolute against its file system:
   * Delta's table builder and its SQL take only absolute paths, and failed with Spark's analysis
   * errors on a relative one. An absolute root is kept as given.
   */
  private static String absolute(SparkSession spark, String root) {
    Path p = new Path(root);
    if (p.isAbsolute()) {
      return root;
    }
    try {
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration())
          .makeQualified(p)
          .toString();
    } catch (IOException e) {
      throw new CohortWatchException(
          "warehouse " + root + " cannot be resolved: " + e.getMessage());
    }
  }

  public String root() {
    return root;
  }

  public String path(String table) {
    return root + "/" + table;
  }

  /**
   * The table as a SQL name ({@code delta.`/abs/path`}), its path absolute since construction and a
   * backquote in it doubled, as SQL quotes one.
   */
  public String sqlName(String table) {
    return "delta.`" + path(table).replace("`", "``") + "`";
  }

  /** Fails with a clear message, before any work, when the warehouse cannot be written. */
  public void checkWritable() {
    Path rootPath = new Path(root);
    try {
      FileSystem fs = rootPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.mkdirs(rootPath);
      Path probe = new Path(rootPath, "_cohortwatch_write_check");
      fs.create(probe, true).close();
      fs.delete(probe, false);
    } catch (IOException | RuntimeException e) {
      throw new CohortWatchException(
          "warehouse " + root + " is not writable: " + e.getClass().getSimpleName());
    }
  }

  public boolean exists(String table) {
    return DeltaTable.isDeltaTable(spark, path(table));
  }

  /**
   * Creates the table with its explicit schema when it does not exist yet; an existing table made
   * by an older release gains the columns added since (the contract only ever adds columns).
   */
  public void ensure(
      String table, StructType schema, Map<String, String> properties, String... partitionedBy) {
    Map<String, String> all = new TreeMap<>(TableNames.properties(table));
    all.putAll(statsProperties(schema, List.of(partitionedBy)));
    all.putAll(properties);
    if (exists(table)) {
      addMissingColumns(table, schema);
      setMissingProperties(table, all);
      return;
    }
    DeltaTableBuilder builder =
        DeltaTable.createIfNotExists(spark).location(path(table)).addColumns(schema);
    if (partitionedBy.length > 0) {
      builder = builder.partitionedBy(partitionedBy);
    }
    for (Map.Entry<String, String> p : all.entrySet()) {
      builder = builder.property(p.getKey(), p.getValue());
    }
    builder.execute();
  }

  /** Delta table property naming the columns whose min/max Delta records in its log. */
  public static final String STATS_COLUMNS = "delta.dataSkippingStatsColumns";

  /**
   * Min/max statistics only for the dates, times and numbers: Delta writes a file's min and max of
   * each indexed column into {@code _delta_log}, which VACUUM never removes, so a text column's
   * statistics would keep an erased account id (or a raw record) on disk for as long as the log.
   */
  static Map<String, String> statsProperties(StructType schema, List<String> partitionedBy) {
    List<String> columns = new ArrayList<>();
    for (StructField f : schema.fields()) {
      DataType t = f.dataType();
      if (partitionedBy.contains(f.name())) {
        continue;
      }
      if (t instanceof NumericType || t instanceof DateType || t instanceof TimestampType) {
        columns.add(f.name());
      }
    }
    return columns.isEmpty()
        ? Map.of("delta.dataSkippingNumIndexedCols", "0")
        : Map.of(STATS_COLUMNS, String.join(",", columns));
  }

  /** Creates or upgrades the table with the properties it must carry ({@link TableNames}). */
  public void ensure(String table, StructType schema, String... partitionedBy) {
    ensure(table, schema, Map.of(), partitionedBy);
  }

  /**
   * A table made by an older release gains the properties this release sets at creation (for
   * account_risk, the change data feed, recorded from this commit on).
   */
  private void setMissingProperties(String table, Map<String, String> wanted) {
    if (wanted.isEmpty()) {
      return;
    }
    Map<String, String> current = properties(table);
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, String> p : wanted.entrySet()) {
      if (!p.getValue().equals(current.get(p.getKey()))) {
        missing.add("'" + p.getKey() + "' = '" + p.getValue() + "'");
      }
    }
    if (!missing.isEmpty()) {
      LOG.info(
          "{}: setting table properties {} (set at creation by a newer release)", table, missing);
      spark.sql(
          "ALTER TABLE "
              + sqlName(table)
              + " SET TBLPROPERTIES ("
              + String.join(", ", missing)
              + ")");
    }
  }

  /** The table's Delta properties. */
  public Map<String, String> properties(String table) {
    // SHOW TBLPROPERTIES reads the snapshot's metadata; DESCRIBE DETAIL would also sum the sizes
    // of all the table's files, a Spark job on every write's table check.
    Map<String, String> props = new TreeMap<>();
    for (Row r : spark.sql("SHOW TBLPROPERTIES " + sqlName(table)).collectAsList()) {
      props.put(r.getString(0), r.getString(1));
    }
    return props;
  }

  private void addMissingColumns(String table, StructType schema) {
    List<String> added = new ArrayList<>();
    missingColumns(read(table).schema(), schema, "", added);
    if (!added.isEmpty()) {
      LOG.info("{}: adding columns {} (schema of a newer release)", table, added);
      spark.sql(
          "ALTER TABLE " + sqlName(table) + " ADD COLUMNS (" + String.join(", ", added) + ")");
    }
  }

  /**
   * The columns of {@code wanted} that {@code current} lacks, as ADD COLUMNS clauses: top-level
   * columns, and fields added inside a struct column (a new model input in {@code model_inputs}),
   * which Delta otherwise refuses at the next write.
   */
  static void missingColumns(
      StructType current, StructType wanted, String prefix, List<String> added) {
    for (StructField f : wanted.fields()) {
      String name = prefix + "`" + f.name() + "`";
      scala.Option<Object> index = current.getFieldIndex(f.name());
      if (index.isEmpty()) {
        added.add(name + " " + f.dataType().sql());
      } else if (f.dataType() instanceof StructType nested
          && current.fields()[(Integer) index.get()].dataType() instanceof StructType old) {
        missingColumns(old, nested, name + ".", added);
      }
    }
  }

  public Dataset<Row> read(String table) {
    return spark.read().format("delta").load(path(table));
  }

  /** Selects and casts to the table's schema, so a write never changes it. */
  public static Dataset<Row> conform(Dataset<Row> rows, StructType schema) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : schema.fields()) {
      columns.add(functions.col(f.name()).cast(f.dataType()).as(f.name()));
    }
    return rows.select(columns.toArray(new Column[0]));
  }

  /** Atomically replaces the rows matching {@code predicate} with {@code rows}. */
  public void replaceWhere(String table, StructType schema, Dataset<Row> rows, Where predicate) {
    replaceWhere(table, schema, rows, predicate, null);
  }

  /**
   * Atomically replaces the rows matching {@code predicate} with {@code rows}; {@code
   * commitMetadata} (when not null) is stored as the commit's {@code userMetadata} in the Delta
   * log, so the history says which run wrote each version.
   */
  public void replaceWhere(
      String table, StructType schema, Dataset<Row> rows, Where predicate, String commitMetadata) {
    DataFrameWriter<Row> writer =
        conform(rows, schema)
            .write()
            .format("delta")
            .mode("overwrite")
            .option("replaceWhere", predicate.sql());
    if (commitMetadata != null) {
      writer = writer.option("userMetadata", commitMetadata);
    }
    writer.save(path(table));
    LOG.info("committed {} (replaced {})", table, predicate);
  }

  /** Atomically replaces the whole table's content. */
  public void overwrite(String table, StructType schema, Dataset<Row> rows) {
    overwrite(table, schema, rows, null);
  }

  /**
   * Atomically replaces the whole table's content; {@code commitMetadata} (when not null) is stored
   * as the commit's {@code userMetadata}.
   */
  public void overwrite(String table, StructType schema, Dataset<Row> rows, String commitMetadata) {
    DataFrameWriter<Row> writer = conform(rows, schema).write().format("delta").mode("overwrite");
    if (commitMetadata != null) {
      writer = writer.option("userMetadata", commitMetadata);
    }
    writer.save(path(table));
    LOG.info("committed {} (overwrite)", table);
  }

  public void append(String table, StructType schema, Dataset<Row> rows) {
    conform(rows, schema).write().format("delta").mode("append").save(path(table));
    LOG.info("committed {} (append)", table);
  }

  /**
   * Deletes, in one commit, the rows of the table (alias {@code t}) for which {@code condition}
   * holds against some row of {@code keys} (alias {@code s}); returns how many. Delta writes a
   * DELETE's predicate, literals included, into the table's commit log for good, so an erasure
   * deletes through a MERGE whose logged condition names only columns: the id stays in {@code
   * keys}, which is never written.
   */
  public long deleteMatching(String table, Dataset<Row> keys, Column condition) {
    DeltaTable delta = DeltaTable.forPath(spark, path(table));
    long before = lastCommit(table).version();
    delta.as("t").merge(keys.as("s"), condition).whenMatched().delete().execute();
    Row last = delta.history(1).select("version", "operationMetrics").first();
    long deleted = 0;
    if (last.getLong(0) > before) {
      Map<String, String> metrics = last.getJavaMap(1);
      String rows = metrics == null ? null : metrics.get("numTargetRowsDeleted");
      deleted = rows == null ? 0L : Long.parseLong(rows);
    }
    LOG.info("deleted {} rows from {}", deleted, table);
    return deleted;
  }

  /** The Delta tables under the root, by name. */
  public List<String> tables() {
    Path rootPath = new Path(root);
    List<String> tables = new ArrayList<>();
    try {
      FileSystem fs = rootPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(rootPath)) {
        return tables;
      }
      for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(rootPath)) {
        if (s.isDirectory() && fs.exists(new Path(s.getPath(), "_delta_log"))) {
          tables.add(s.getPath().getName());
        }
      }
    } catch (IOException e) {
      throw new CohortWatchException("cannot list warehouse " + root + ": " + e.getMessage());
    }
    tables.sort(String::compareTo);
    return tables;
  }

  /**
   * Deletes the rows matching {@code condition} in one commit; returns how many. Delta logs the
   * condition: never pass one that names a person (see {@link #deleteMatching}).
   */
  public long delete(String table, Where condition) {
    DeltaTable delta = DeltaTable.forPath(spark, path(table));
    long before = lastCommit(table).version();
    delta.delete(condition.sql());
    Row last = delta.history(1).select("version", "operationMetrics").first();
    long deleted = 0;
    if (last.getLong(0) > before) {
      Map<String, String> metrics = last.getJavaMap(1);
      String rows = metrics == null ? null : metrics.get("numDeletedRows");
      deleted = rows == null ? 0L : Long.parseLong(rows);
    }
    LOG.info("deleted {} rows from {}", deleted, table);
    return deleted;
  }

  /** Removes files no longer referenced by versions newer than the retention. */
  public void vacuum(String table, int retentionHours) {
    DeltaTable.forPath(spark, path(table)).vacuum(retentionHours);
  }

  /**
   * A table's newest commit: its version, the rows it wrote (from Delta's own metrics) and the
   * {@code userMetadata} it was made with (null when none).
   */
  public record Commit(long version, long outputRows, String userMetadata) {}

  public Commit lastCommit(String table) {
    Row last =
        DeltaTable.forPath(spark, path(table))
            .history(1)
            .select("version", "operationMetrics", "userMetadata")
            .first();
    Map<String, String> metrics = last.getJavaMap(1);
    String rows = metrics == null ? null : metrics.get("numOutputRows");
    return new Commit(last.getLong(0), rows == null ? 0L : Long.parseLong(rows), last.getString(2));
  }

  /** Rows written by the table's newest commit. */
  public long lastCommitOutputRows(String table) {
    return lastCommit(table).outputRows();
  }
}
