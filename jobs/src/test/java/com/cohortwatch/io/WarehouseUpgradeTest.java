package com.cohortwatch.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.testing.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A table made by an older release takes the next release's rows. */
class WarehouseUpgradeTest {
  @TempDir Path dir;

  @Test
  void aTableFromAnOlderReleaseGainsNewColumnsAndNewFieldsOfItsStructs() {
    SparkSession spark = SharedSpark.spark();
    Warehouse w = new Warehouse(spark, dir.toString());
    StructType oldInputs = new StructType().add("own_home", DataTypes.DoubleType);
    StructType oldSchema =
        new StructType().add("account_id", DataTypes.StringType).add("model_inputs", oldInputs);
    w.ensure("scores", oldSchema);
    w.append(
        "scores",
        oldSchema,
        spark.createDataFrame(List.of(RowFactory.create("a1", RowFactory.create(0.5))), oldSchema));

    // the next release: a new field inside the struct (a new model input) and a new column
    StructType newInputs = oldInputs.add("cluster_home_farm", DataTypes.DoubleType);
    StructType newSchema =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("model_inputs", newInputs)
            .add("model_version", DataTypes.StringType);
    w.ensure("scores", newSchema);
    w.append(
        "scores",
        newSchema,
        spark.createDataFrame(
            List.of(RowFactory.create("a2", RowFactory.create(0.25, 1.0), "v2")), newSchema));

    List<Row> rows =
        w.read("scores")
            .selectExpr("account_id", "model_inputs.cluster_home_farm", "model_version")
            .orderBy("account_id")
            .collectAsList();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).isNullAt(1)).isTrue(); // the older row has no value for it
    assertThat(rows.get(1).getDouble(1)).isEqualTo(1.0);
    assertThat(rows.get(1).getString(2)).isEqualTo("v2");
  }
}
