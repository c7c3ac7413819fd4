package com.cohortwatch.io;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.WarehouseContents;
import java.nio.file.Path;
import java.sql.Date;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Delta keeps of a deleted id: a DELETE's predicate stays in the commit log for good (the
 * control), a delete through a one-row table leaves no trace once vacuumed, change data included.
 */
class ErasureLogTest {
  @TempDir Path dir;

  static final StructType SCHEMA =
      new StructType()
          .add("account_id", DataTypes.StringType)
          .add("run_date", DataTypes.DateType)
          .add("score", DataTypes.DoubleType);

  private Warehouse table(SparkSession spark, String root, String id) {
    Warehouse w = new Warehouse(spark, root);
    w.ensure("t", SCHEMA, Map.of(TableNames.CHANGE_DATA_FEED, "true"));
    Date d = Date.valueOf("2026-11-20");
    w.append(
        "t",
        SCHEMA,
        spark.createDataFrame(
            List.of(
                RowFactory.create(id, d, 0.9),
                RowFactory.create("aaa-first", d, 0.1),
                RowFactory.create("zzz-last", d, 0.2)),
            SCHEMA));
    return w;
  }

  @Test
  void aDeleteThroughAOneRowTableLeavesNoLiteralAnywhere() {
    SparkSession spark = SharedSpark.spark();
    spark.conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "false");

    String control = dir.resolve("control").toString();
    Warehouse c = table(spark, control, "victim-43");
    assertThat(c.delete("t", Where.equal("account_id", "victim-43"))).isEqualTo(1);
    c.vacuum("t", 0);
    assertThat(WarehouseContents.filesMentioning(spark, Path.of(control), "victim-43"))
        .as("Delta logs a DELETE's predicate")
        .anyMatch(f -> f.contains("_delta_log"));

    String root = dir.resolve("erased").toString();
    Warehouse w = table(spark, root, "victim-42");
    Dataset<Row> keys =
        spark.createDataFrame(
            List.of(RowFactory.create("victim-42")),
            new StructType().add("id", DataTypes.StringType));
    assertThat(w.deleteMatching("t", keys, col("t.account_id").equalTo(col("s.id")))).isEqualTo(1);
    assertThat(w.read("t").count()).isEqualTo(2);
    assertThat(WarehouseContents.filesMentioning(spark, Path.of(root), "victim-42"))
        .as("before VACUUM the old data file and the change data still hold it")
        .isNotEmpty();
    w.vacuum("t", 0);
    assertThat(WarehouseContents.filesMentioning(spark, Path.of(root), "victim-42")).isEmpty();
    spark.conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "true");
  }
}
