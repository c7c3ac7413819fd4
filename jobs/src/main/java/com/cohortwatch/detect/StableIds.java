package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring;

import com.cohortwatch.schema.Cols;
import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Cluster ids that persist from night to night: a cluster takes the id of the previous night's
 * cluster holding most of its members (when two new clusters claim the same old id, the one with
 * more of its members keeps it); any other cluster gets a new id derived from its smallest member
 * and the run date, so a rerun of the same night reproduces the same ids. The date matters: when a
 * cluster splits and its smallest member ends up in the smaller part, that part would otherwise
 * hash to the very id the larger part keeps (found at 2M accounts as ~1,000 duplicated account_risk
 * rows on a nightly run).
 */
public final class StableIds {
  private StableIds() {}

  /**
   * @param members account_id, component (this night's clusters)
   * @param previous account_id, cluster_id of a run before {@code runDate} (may be empty)
   * @return component, cluster_id; one row per component, and no two share a cluster_id
   */
  public static Dataset<Row> assign(
      Dataset<Row> members, Dataset<Row> previous, LocalDate runDate) {
    String comp = Clustering.COMPONENT;
    Dataset<Row> prev =
        previous.select(col(Cols.ACCOUNT_ID).as("_pa"), col(Cols.CLUSTER_ID).as("_old"));
    Dataset<Row> overlap =
        members
            .join(prev, col(Cols.ACCOUNT_ID).equalTo(col("_pa")))
            .groupBy(col(comp), col("_old"))
            .agg(count(lit(1)).as("_n"));
    Dataset<Row> bestForNew =
        overlap
            .withColumn(
                "_r",
                row_number().over(Window.partitionBy(comp).orderBy(col("_n").desc(), col("_old"))))
            .filter(col("_r").equalTo(1))
            .drop("_r");
    Dataset<Row> kept =
        bestForNew
            .withColumn(
                "_r2",
                row_number().over(Window.partitionBy("_old").orderBy(col("_n").desc(), col(comp))))
            .filter(col("_r2").equalTo(1))
            .select(col(comp).as("_kc"), col("_old"));
    Dataset<Row> components = members.select(col(comp)).distinct();
    return components
        .join(kept, col(comp).equalTo(col("_kc")), "left")
        .select(
            col(comp),
            coalesce(
                    col("_old"),
                    concat(
                        lit("c-"),
                        substring(sha2(concat(col(comp), lit("@" + runDate)), 256), 1, 12)))
                .as(Cols.CLUSTER_ID));
  }
}
