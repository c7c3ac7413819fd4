package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.xxhash64;

import com.cohortwatch.schema.Cols;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Accounts into clusters: connected components over links above the threshold, then components
 * larger than {@code maxSize} are split, first by raising the link threshold inside them, then by
 * label propagation, so that no single campus, office or VPN glues everything together.
 */
public final class Clustering {
  private Clustering() {}

  /** Parameters of clustering. */
  public record Params(double minWeight, double splitWeight, int maxSize, int lpaIterations) {}

  public static final String COMPONENT = "component";

  /**
   * @param pairWeights account_a, account_b, weight
   * @param stars attr_type, attr_value, account_id of strong hubs (star vertices)
   * @return account_id, cluster_key (the smallest account id of its cluster), for clusters of two
   *     or more accounts
   */
  public static Dataset<Row> cluster(
      SparkSession spark,
      Dataset<Row> pairWeights,
      Dataset<Row> stars,
      double starWeight,
      Params p) {
    Dataset<Row> accountEdges =
        pairWeights.select(
            xxhash64(col(Cols.ACCOUNT_A)).as(GraphEngine.SRC),
            xxhash64(col(Cols.ACCOUNT_B)).as(GraphEngine.DST),
            col(Cols.WEIGHT));
    Dataset<Row> starEdges =
        stars.select(
            xxhash64(col(Cols.ACCOUNT_ID)).as(GraphEngine.SRC),
            xxhash64(concat_ws(":", lit("hub"), col(Cols.ATTR_TYPE), col(Cols.ATTR_VALUE)))
                .as(GraphEngine.DST),
            lit(starWeight).as(Cols.WEIGHT));
    Dataset<Row> edges =
        accountEdges.unionByName(starEdges).filter(col(Cols.WEIGHT).geq(p.minWeight())).cache();
    Dataset<Row> accounts =
        pairWeights
            .select(col(Cols.ACCOUNT_A).as(Cols.ACCOUNT_ID))
            .union(pairWeights.select(col(Cols.ACCOUNT_B)))
            .union(stars.select(col(Cols.ACCOUNT_ID)))
            .distinct()
            .withColumn(GraphEngine.VERTEX, xxhash64(col(Cols.ACCOUNT_ID)));

    Dataset<Row> labels = GraphEngine.connectedComponents(spark, edges);
    labels = splitOversized(spark, labels, accounts, edges, p);

    Dataset<Row> members =
        accounts
            .join(labels, GraphEngine.VERTEX)
            .select(col(Cols.ACCOUNT_ID), col(GraphEngine.LABEL));
    Dataset<Row> keys =
        members
            .groupBy(col(GraphEngine.LABEL).as("_l"))
            .agg(min(Cols.ACCOUNT_ID).as(COMPONENT), count(lit(1)).as("_size"))
            .filter(col("_size").geq(2));
    edges.unpersist();
    return members
        .join(keys, col(GraphEngine.LABEL).equalTo(col("_l")))
        .select(col(Cols.ACCOUNT_ID), col(COMPONENT));
  }

  private static Dataset<Row> splitOversized(
      SparkSession spark,
      Dataset<Row> labels,
      Dataset<Row> accounts,
      Dataset<Row> edges,
      Params p) {
    Dataset<Row> sizes =
        labels
            .join(accounts, GraphEngine.VERTEX)
            .groupBy(GraphEngine.LABEL)
            .agg(count(lit(1)).as("_size"));
    Dataset<Row> oversized =
        sizes.filter(col("_size").gt(p.maxSize())).select(col(GraphEngine.LABEL).as("_big"));
    Dataset<Row> inBig =
        labels
            .join(oversized, col(GraphEngine.LABEL).equalTo(col("_big")))
            .select(GraphEngine.VERTEX)
            .cache();
    if (inBig.isEmpty()) {
      inBig.unpersist();
      return labels;
    }
    Dataset<Row> inBigSrc = inBig.select(col(GraphEngine.VERTEX).as("_vs"));
    Dataset<Row> bigEdges =
        edges
            .join(inBigSrc, col(GraphEngine.SRC).equalTo(col("_vs")))
            .filter(col(Cols.WEIGHT).geq(p.splitWeight()))
            .select(GraphEngine.SRC, GraphEngine.DST, Cols.WEIGHT);
    Dataset<Row> relabelled = GraphEngine.connectedComponents(spark, bigEdges);
    // Still too big after raising the threshold: community detection inside.
    Dataset<Row> reSizes =
        relabelled
            .join(accounts, GraphEngine.VERTEX)
            .groupBy(GraphEngine.LABEL)
            .agg(count(lit(1)).as("_size"));
    Dataset<Row> stillBig =
        relabelled
            .join(
                reSizes
                    .filter(col("_size").gt(p.maxSize()))
                    .select(col(GraphEngine.LABEL).as("_b2")),
                col(GraphEngine.LABEL).equalTo(col("_b2")))
            .select(col(GraphEngine.VERTEX).as("_v2"));
    Dataset<Row> lpaEdges =
        bigEdges
            .join(stillBig, col(GraphEngine.SRC).equalTo(col("_v2")))
            .select(GraphEngine.SRC, GraphEngine.DST);
    Dataset<Row> lpa = GraphEngine.labelPropagation(spark, lpaEdges, p.lpaIterations());
    Dataset<Row> lpaRenamed =
        lpa.select(col(GraphEngine.VERTEX).as("_lv"), col(GraphEngine.LABEL).as("_ll"));
    Dataset<Row> split =
        relabelled
            .join(lpaRenamed, col(GraphEngine.VERTEX).equalTo(col("_lv")), "left")
            .select(
                col(GraphEngine.VERTEX),
                org.apache
                    .spark
                    .sql
                    .functions
                    .coalesce(col("_ll"), col(GraphEngine.LABEL))
                    .as(GraphEngine.LABEL));
    Dataset<Row> kept =
        labels.join(
            inBig,
            labels.col(GraphEngine.VERTEX).equalTo(inBig.col(GraphEngine.VERTEX)),
            "left_anti");
    inBig.unpersist();
    // Vertices of a big component whose strong edges all went are singletons now (dropped later).
    return kept.unionByName(split);
  }
}
