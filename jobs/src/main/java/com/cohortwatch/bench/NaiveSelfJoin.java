package com.cohortwatch.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import com.cohortwatch.detect.GraphEngine;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.spark.Sessions;
import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's peer, not part of the product: what a first attempt in Spark SQL would do on the
 * same bronze logins. Every pair of accounts that used the same IP in the window becomes an edge,
 * then connected components. No rarity weighting, no hub cut-off: a campus of 200 makes 19,900
 * pairs and a commercial VPN exit millions, which is what bench/run.sh measures against the
 * product's linking. Run under a time limit.
 *
 * <pre>COHORTWATCH_MAIN=com.cohortwatch.bench.NaiveSelfJoin bin/cohortwatch WAREHOUSE DATE DAYS
 * </pre>
 */
public final class NaiveSelfJoin {
  private static final Logger LOG = LoggerFactory.getLogger(NaiveSelfJoin.class);

  private NaiveSelfJoin() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: NaiveSelfJoin WAREHOUSE RUN_DATE LOOKBACK_DAYS");
      System.exit(2);
    }
    String warehouse = args[0];
    LocalDate runDate = LocalDate.parse(args[1]);
    int days = Integer.parseInt(args[2]);
    try (SparkSession spark = Sessions.forCli("cohortwatch-naive-self-join")) {
      long start = System.nanoTime();
      Result result = run(spark, warehouse, runDate, days);
      System.out.printf(
          "naive self-join: %d account pairs, %d components of 2 or more accounts, largest %d,"
              + " in %.1f s%n",
          result.pairs, result.components, result.largest, (System.nanoTime() - start) / 1e9);
    }
  }

  record Result(long pairs, long components, long largest) {}

  static Result run(SparkSession spark, String warehouse, LocalDate runDate, int days) {
    Dataset<Row> accountIps =
        spark
            .read()
            .format("delta")
            .load(warehouse + "/" + InputTable.LOGINS.folder())
            .where(
                col(Cols.EVENT_DATE)
                    .between(lit(runDate.minusDays(days - 1L).toString()), lit(runDate.toString())))
            .select(Cols.ACCOUNT_ID, Cols.IP)
            .distinct();
    Dataset<Row> a = accountIps.toDF("a", "ip_a");
    Dataset<Row> b = accountIps.toDF("b", "ip_b");
    Dataset<Row> pairs =
        a.join(b, col("ip_a").equalTo(col("ip_b")).and(col("a").lt(col("b"))))
            .select("a", "b")
            .distinct()
            .cache();
    spark.sparkContext().setJobGroup("naive", "naive self-join: account pairs on one IP", false);
    long pairCount = pairs.count();
    LOG.info("naive self-join: {} distinct account pairs", pairCount);
    Dataset<Row> edges =
        pairs.select(
            xxhash64(col("a")).as(GraphEngine.SRC), xxhash64(col("b")).as(GraphEngine.DST));
    spark.sparkContext().setJobGroup("naive", "naive self-join: connected components", false);
    Dataset<Row> sizes =
        GraphEngine.connectedComponents(spark, edges).groupBy(GraphEngine.LABEL).count();
    Row summary =
        sizes
            .agg(
                org.apache.spark.sql.functions.count(lit(1)),
                org.apache.spark.sql.functions.max("count"))
            .first();
    return new Result(pairCount, summary.getLong(0), summary.isNullAt(1) ? 0 : summary.getLong(1));
  }
}
