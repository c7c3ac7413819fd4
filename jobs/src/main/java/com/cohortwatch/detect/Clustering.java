package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.xxhash64;

import com.cohortwatch.schema.Cols;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FlatMapGroupsFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Accounts into clusters: connected components over links above the threshold, then every component
 * of {@code communityMinSize} accounts or more is split into communities by weighted Louvain
 * ({@link Louvain}), so that rings glued together by a shared VPN exit or a chance co-login become
 * separate clusters, and no campus, office or VPN glues everything into one. A community never
 * grows past {@code maxSize} accounts.
 */
public final class Clustering {
  private Clustering() {}

  /**
   * Parameters of clustering.
   *
   * @param minWeight links lighter than this join nothing
   * @param maxSize the largest cluster, in accounts
   * @param communityMinSize components of at least this many accounts are split into communities
   * @param resolution Louvain's modularity resolution (1 is classic modularity)
   */
  public record Params(double minWeight, int maxSize, int communityMinSize, double resolution) {}

  public static final String COMPONENT = "component";

  private static final String HUB = "hub";

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
            col(Cols.WEIGHT),
            lit(false).as(HUB));
    Dataset<Row> starEdges =
        stars.select(
            xxhash64(col(Cols.ACCOUNT_ID)).as(GraphEngine.SRC),
            xxhash64(concat_ws(":", lit("hub"), col(Cols.ATTR_TYPE), col(Cols.ATTR_VALUE)))
                .as(GraphEngine.DST),
            lit(starWeight).as(Cols.WEIGHT),
            lit(true).as(HUB));
    Dataset<Row> edges =
        accountEdges.unionByName(starEdges).filter(col(Cols.WEIGHT).geq(p.minWeight())).cache();
    Dataset<Row> accounts =
        pairWeights
            .select(col(Cols.ACCOUNT_A).as(Cols.ACCOUNT_ID))
            .union(pairWeights.select(col(Cols.ACCOUNT_B)))
            .union(stars.select(col(Cols.ACCOUNT_ID)))
            .distinct()
            .withColumn(GraphEngine.VERTEX, xxhash64(col(Cols.ACCOUNT_ID)));

    Dataset<Row> components = GraphEngine.connectedComponents(spark, edges);
    Dataset<Row> labels = splitIntoCommunities(components, accounts, edges, p);

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

  /**
   * Relabels the vertices of every component with at least {@code communityMinSize} accounts by
   * their Louvain community. Each such component's edges go to one task ({@code groupByKey}): the
   * pair cap bounds edges linearly in memberships, and components are capped by the pair and star
   * limits, so one component fits one executor.
   */
  static Dataset<Row> splitIntoCommunities(
      Dataset<Row> components, Dataset<Row> accounts, Dataset<Row> edges, Params p) {
    Dataset<Row> big =
        components
            .join(accounts.select(GraphEngine.VERTEX), GraphEngine.VERTEX)
            .groupBy(col(GraphEngine.LABEL).as("_big"))
            .agg(count(lit(1)).as("_size"))
            .filter(col("_size").geq(p.communityMinSize()))
            .select("_big");
    Dataset<Row> bigEdges =
        edges
            .join(components, col(GraphEngine.SRC).equalTo(col(GraphEngine.VERTEX)))
            .join(big, col(GraphEngine.LABEL).equalTo(col("_big")))
            .select(
                col(GraphEngine.LABEL),
                col(GraphEngine.SRC),
                col(GraphEngine.DST),
                col(Cols.WEIGHT),
                col(HUB));
    double resolution = p.resolution();
    int maxSize = p.maxSize();
    Dataset<Row> relabelled =
        bigEdges
            .groupByKey((MapFunction<Row, Long>) r -> r.getLong(0), Encoders.LONG())
            .flatMapGroups(
                (FlatMapGroupsFunction<Long, Row, Row>)
                    (label, rows) -> communitiesOf(rows, resolution, maxSize),
                Encoders.row(GraphEngine.LABELS));
    Dataset<Row> kept =
        components.join(
            relabelled.select(col(GraphEngine.VERTEX).as("_rv")),
            col(GraphEngine.VERTEX).equalTo(col("_rv")),
            "left_anti");
    return kept.unionByName(relabelled);
  }

  /** Louvain on one component's edges: each vertex labelled with its community's smallest id. */
  static Iterator<Row> communitiesOf(Iterator<Row> rows, double resolution, int maxSize) {
    List<long[]> edgeEnds = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    java.util.Set<Long> hubs = new java.util.HashSet<>();
    TreeMap<Long, Integer> index = new TreeMap<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      long s = r.getLong(1);
      long d = r.getLong(2);
      edgeEnds.add(new long[] {s, d});
      weights.add(r.getDouble(3));
      index.put(s, 0);
      index.put(d, 0);
      if (r.getBoolean(4)) {
        hubs.add(d);
      }
    }
    // Index order = vertex id order, so the visit order does not depend on the shuffle's.
    long[] ids = new long[index.size()];
    int i = 0;
    for (Map.Entry<Long, Integer> e : index.entrySet()) {
      e.setValue(i);
      ids[i++] = e.getKey();
    }
    int[] src = new int[edgeEnds.size()];
    int[] dst = new int[edgeEnds.size()];
    double[] w = new double[edgeEnds.size()];
    // The same pair can arrive twice (a->b and b->a from different link sources): sort edges so
    // the adjacency order, and so the result, is independent of arrival order.
    Integer[] order = new Integer[edgeEnds.size()];
    for (int e = 0; e < order.length; e++) {
      order[e] = e;
    }
    java.util.Arrays.sort(
        order,
        java.util.Comparator.<Integer>comparingLong(e -> edgeEnds.get(e)[0])
            .thenComparingLong(e -> edgeEnds.get(e)[1])
            .thenComparingDouble(weights::get));
    for (int e = 0; e < order.length; e++) {
      long[] ends = edgeEnds.get(order[e]);
      src[e] = index.get(ends[0]);
      dst[e] = index.get(ends[1]);
      w[e] = weights.get(order[e]);
    }
    int[] size = new int[ids.length];
    for (int v = 0; v < ids.length; v++) {
      size[v] = hubs.contains(ids[v]) ? 0 : 1;
    }
    int[] community = Louvain.communities(ids.length, src, dst, w, size, resolution, maxSize);
    long[] smallest = new long[ids.length];
    java.util.Arrays.fill(smallest, Long.MAX_VALUE);
    for (int v = 0; v < ids.length; v++) {
      smallest[community[v]] = Math.min(smallest[community[v]], ids[v]);
    }
    List<Row> out = new ArrayList<>(ids.length);
    for (int v = 0; v < ids.length; v++) {
      out.add(RowFactory.create(ids[v], smallest[community[v]]));
    }
    return out.iterator();
  }
}
