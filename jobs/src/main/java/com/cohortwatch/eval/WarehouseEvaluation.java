package com.cohortwatch.eval;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.io.Exporter;
import com.cohortwatch.io.InputFiles;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.schema.TableNames;
import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** {@link Evaluation} of a warehouse's account_risk against a generated world's truth file. */
public final class WarehouseEvaluation {
  private WarehouseEvaluation() {}

  /**
   * @param truthDir the generator's output folder or its truth/ folder
   * @param date the run date scored, or null for the newest
   */
  public static Evaluation.Report run(
      SparkSession spark, String truthDir, String warehouseDir, LocalDate date) {
    String dir = truthDir.replaceAll("/+$", "");
    String truthFile = dir.endsWith("truth") ? dir + "/accounts.csv" : dir + "/truth/accounts.csv";
    if (!InputFiles.exists(spark.sparkContext().hadoopConfiguration(), truthFile)) {
      throw new CohortWatchException("no truth file at " + truthFile);
    }
    Warehouse warehouse = new Warehouse(spark, warehouseDir);
    if (!warehouse.exists(TableNames.ACCOUNT_RISK)) {
      throw new CohortWatchException("no account_risk table in " + warehouseDir);
    }
    Dataset<Row> truth = spark.read().option("header", "true").csv(truthFile);
    Dataset<Row> risk = Exporter.select(warehouse.read(TableNames.ACCOUNT_RISK), date);
    return Evaluation.evaluate(truth, risk);
  }
}
