package com.cohortwatch.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A warehouse named by a relative path, as {@code --warehouse wh} names it from the shell. */
class RelativeWarehouseTest {
  @TempDir Path dir;

  @Test
  void anExistingTableIsCheckedAndUpgradedThroughSqlWithoutAnAnalysisError() {
    // The temporary folder, named relative to the working folder (../../tmp/junit...).
    String relative = Path.of("").toAbsolutePath().relativize(dir.resolve("wh")).toString();
    assertThat(Path.of(relative).isAbsolute()).isFalse();
    SparkSession spark = SharedSpark.spark();
    Warehouse w = new Warehouse(spark, relative);
    w.ensure(TableNames.ACCOUNT_RISK, Schemas.ACCOUNT_RISK, Cols.RUN_DATE);
    // The first call creates the table with Delta's builder, the second finds it and reads its
    // properties with SQL: both take only an absolute path, and failed on this one before.
    w.ensure(TableNames.ACCOUNT_RISK, Schemas.ACCOUNT_RISK, Cols.RUN_DATE);
    assertThat(w.properties(TableNames.ACCOUNT_RISK))
        .containsAllEntriesOf(TableNames.properties(TableNames.ACCOUNT_RISK));
    assertThat(w.sqlName(TableNames.ACCOUNT_RISK))
        .startsWith("delta.`file:/")
        .endsWith(dir.resolve("wh").resolve(TableNames.ACCOUNT_RISK) + "`");
    assertThat(
            Files.isDirectory(
                dir.resolve("wh").resolve(TableNames.ACCOUNT_RISK).resolve("_delta_log")))
        .isTrue();
  }
}
