package com.cohortwatch.retention;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.sha2;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

/**
 * Retention and erasure: Delta DELETE of old rows, or a delete of one account's rows through a
 * one-row table (so no commit log names it), in every table; then VACUUM of every table so the
 * deleted files are really gone once the retention the operator chose has passed.
 */
public final class Retention {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  /** Delta's own default: files newer than this are kept for readers and time travel. */
  public static final int DEFAULT_VACUUM_RETENTION_HOURS = 168;

  private Retention() {}

  /** Each table with personal data and the date column that ages it. */
  static final Map<String, String> DATED_TABLES = new LinkedHashMap<>();

  static {
    DATED_TABLES.put(InputTable.LOGINS.folder(), Cols.EVENT_DATE);
    DATED_TABLES.put(TableNames.ATTRIBUTE_DAILY, Cols.EVENT_DATE);
    DATED_TABLES.put(TableNames.IP_SLOTS, Cols.EVENT_DATE); // in warehouses of older releases
    DATED_TABLES.put(TableNames.CO_LOGIN_MEETINGS, Cols.EVENT_DATE);
    DATED_TABLES.put(TableNames.QUARANTINE, Cols.RUN_DATE);
    DATED_TABLES.put(TableNames.LINK_EVIDENCE, Cols.RUN_DATE);
    DATED_TABLES.put(TableNames.CLUSTER_MEMBERS, Cols.RUN_DATE);
    DATED_TABLES.put(TableNames.CLUSTER_RISK, Cols.RUN_DATE);
    DATED_TABLES.put(TableNames.ACCOUNT_RISK, Cols.RUN_DATE);
  }

  /** The one-row table an erasure deletes through: the id, and its pattern in raw text. */
  static final String ERASED_ID = "erased_id";

  static final String ERASED_PATTERN = "erased_pattern";

  /**
   * Tables that name accounts, each with the condition that finds the rows of the account in the
   * one-row table {@code s} ({@link #erasedKeys}) among the table's rows {@code t}. Conditions name
   * columns only: Delta logs them.
   */
  static Map<String, Column> accountConditions() {
    Column id = col("s." + ERASED_ID);
    Column own = col("t." + Cols.ACCOUNT_ID).equalTo(id);
    Map<String, Column> conditions = new LinkedHashMap<>();
    conditions.put(InputTable.LOGINS.folder(), own);
    conditions.put(InputTable.ACCOUNTS.folder(), own);
    conditions.put(InputTable.PAYOUT_METHODS.folder(), own);
    conditions.put(InputTable.DECISIONS.folder(), own);
    conditions.put(TableNames.ATTRIBUTE_DAILY, own);
    conditions.put(TableNames.IP_SLOTS, own);
    Column eitherOfAPair =
        col("t." + Cols.ACCOUNT_A).equalTo(id).or(col("t." + Cols.ACCOUNT_B).equalTo(id));
    // Other pairs' meetings stay as rolled up: they were judged with the erased account counted in
    // its slots' crowd, which differs from a rebuild only for a slot that held exactly one account
    // more than link.pair-cap (a rebuild would then pair the others). --full-recompute rebuilds.
    conditions.put(TableNames.CO_LOGIN_MEETINGS, eitherOfAPair);
    conditions.put(TableNames.LINK_EVIDENCE, eitherOfAPair);
    conditions.put(TableNames.CLUSTER_MEMBERS, own);
    conditions.put(TableNames.ACCOUNT_RISK, own);
    // A rejected record keeps only its raw text: match the id as a whole token in it.
    conditions.put(TableNames.QUARANTINE, expr("t." + Cols.RAW + " RLIKE s." + ERASED_PATTERN));
    return conditions;
  }

  /** The one row an erasure matches against: never written anywhere. */
  static Dataset<Row> erasedKeys(SparkSession spark, String accountId) {
    StructType schema =
        new StructType()
            .add(ERASED_ID, DataTypes.StringType, false)
            .add(ERASED_PATTERN, DataTypes.StringType, false);
    String pattern = "(^|[^A-Za-z0-9_.-])" + Pattern.quote(accountId) + "($|[^A-Za-z0-9_.-])";
    return spark.createDataFrame(List.of(RowFactory.create(accountId, pattern)), schema);
  }

  /**
   * Deletes every row dated before {@code before}, then vacuums; returns rows deleted per table.
   */
  public static Map<String, Long> purge(
      SparkSession spark, Warehouse warehouse, LocalDate before, int vacuumRetentionHours) {
    Map<String, Long> deleted = new LinkedHashMap<>();
    for (Map.Entry<String, String> t : DATED_TABLES.entrySet()) {
      if (warehouse.exists(t.getKey())) {
        deleted.put(t.getKey(), warehouse.delete(t.getKey(), Where.before(t.getValue(), before)));
      }
    }
    // Every table, snapshots included: an overwritten accounts or payout_methods snapshot leaves
    // its old files (with personal data) behind until VACUUM removes them.
    vacuum(spark, warehouse, warehouse.tables(), vacuumRetentionHours);
    return deleted;
  }

  /**
   * Removes one account from every table that names it, records its hash so ingestion never brings
   * it back, then vacuums; returns rows deleted per table.
   */
  public static Map<String, Long> erase(
      SparkSession spark, Warehouse warehouse, String accountId, int vacuumRetentionHours) {
    if (accountId == null || accountId.isBlank()) {
      throw new CohortWatchException("erase: the account id is empty");
    }
    Map<String, Long> deleted = new LinkedHashMap<>();
    Dataset<Row> keys = erasedKeys(spark, accountId);
    for (Map.Entry<String, Column> t : accountConditions().entrySet()) {
      if (warehouse.exists(t.getKey())) {
        deleted.put(t.getKey(), warehouse.deleteMatching(t.getKey(), keys, t.getValue()));
      }
    }
    warehouse.ensure(TableNames.ERASURES, Schemas.ERASURES);
    warehouse.append(
        TableNames.ERASURES,
        Schemas.ERASURES,
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    hash(accountId),
                    Timestamp.from(Instant.now()),
                    JavaConverters.mapAsScalaMap(new LinkedHashMap<>(deleted)))),
            Schemas.ERASURES));
    // Every table, not only those this erasure rewrote: files an earlier purge or erase deleted
    // within the retention, and old snapshot files, are due now; only VACUUM removes them.
    vacuum(spark, warehouse, warehouse.tables(), vacuumRetentionHours);
    return deleted;
  }

  /** Drops the rows of erased accounts (by the hash of {@code account_id}) from an input table. */
  public static Dataset<Row> withoutErased(Dataset<Row> rows, Dataset<Row> erasures) {
    if (erasures == null || !List.of(rows.columns()).contains(Cols.ACCOUNT_ID)) {
      return rows;
    }
    Column key = sha2(col(Cols.ACCOUNT_ID), 256);
    Dataset<Row> hashes = erasures.select(col(Schemas.ACCOUNT_HASH).as("_erased")).distinct();
    return rows.join(
            org.apache.spark.sql.functions.broadcast(hashes),
            key.equalTo(hashes.col("_erased")),
            "left_anti")
        .select(
            List.of(rows.columns()).stream().map(c -> col("`" + c + "`")).toArray(Column[]::new));
  }

  /** The erasure list's key: SHA-256 of the id, as Spark's {@code sha2(account_id, 256)}. */
  public static String hash(String accountId) {
    return com.cohortwatch.io.InputFiles.sha256(accountId);
  }

  private static void vacuum(
      SparkSession spark, Warehouse warehouse, Iterable<String> tables, int retentionHours) {
    if (retentionHours < 0) {
      throw new CohortWatchException("vacuum retention must be >= 0 hours");
    }
    // Below Delta's safety default the operator has chosen to cut readers' time travel short.
    spark
        .conf()
        .set(
            "spark.databricks.delta.retentionDurationCheck.enabled",
            String.valueOf(retentionHours >= DEFAULT_VACUUM_RETENTION_HOURS));
    for (String table : tables) {
      warehouse.vacuum(table, retentionHours);
    }
    LOG.info("vacuumed {} with a retention of {} hours", tables, retentionHours);
  }
}
