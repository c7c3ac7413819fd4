package com.cohortwatch.eval;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.RiskTier;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Detection quality against the generator's truth: average precision over the risk score, precision
 * and recall at the flagged tiers (high + critical), the false-positive rate of each benign kind,
 * rings recovered, and recall per ring style. Only aggregates reach the driver.
 */
public final class Evaluation {
  private Evaluation() {}

  public static final String LABEL = "label";
  public static final String GROUP_ID = "group_id";
  public static final String KIND = "kind";
  public static final String OPERATOR = "operator";

  /** The figures of one evaluation. */
  public record Report(
      long accounts,
      long operators,
      double averagePrecision,
      double precisionAtFlagged,
      double recallAtFlagged,
      long flagged,
      Map<String, double[]> benignFalsePositiveRate,
      Map<String, double[]> recallByStyle,
      long ringsRecovered,
      long rings) {

    public String format() {
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              "accounts %d, operators %d, flagged (high+critical) %d%n",
              accounts, operators, flagged));
      sb.append(String.format("average_precision %.4f%n", averagePrecision));
      sb.append(String.format("precision_at_high %.4f%n", precisionAtFlagged));
      sb.append(String.format("recall_at_high %.4f%n", recallAtFlagged));
      sb.append(
          String.format(
              "rings_recovered %d of %d (80%% of members flagged)%n", ringsRecovered, rings));
      recallByStyle.forEach(
          (style, v) ->
              sb.append(
                  String.format(
                      "recall_style %-12s %.4f (%d of %d)%n",
                      style, v[0], (long) v[1], (long) v[2])));
      benignFalsePositiveRate.forEach(
          (kind, v) ->
              sb.append(
                  String.format(
                      "fpr_benign %-12s %.4f%% (%d of %d)%n",
                      kind, 100 * v[0], (long) v[1], (long) v[2])));
      return sb.toString().stripTrailing();
    }
  }

  /**
   * @param truth account_id, label, group_id, kind (the generator's truth/accounts.csv)
   * @param accountRisk one run_date of account_risk
   */
  public static Report evaluate(Dataset<Row> truth, Dataset<Row> accountRisk) {
    Dataset<Row> scored =
        truth
            .join(
                accountRisk.select(
                    col(Cols.ACCOUNT_ID).as("_a"), col(Cols.RISK_SCORE), col(Cols.RISK_TIER)),
                col(Cols.ACCOUNT_ID).equalTo(col("_a")),
                "left")
            .withColumn(Cols.RISK_SCORE, coalesce(col(Cols.RISK_SCORE), lit(0.0)))
            .withColumn("_pos", when(col(LABEL).equalTo(OPERATOR), 1).otherwise(0))
            .withColumn(
                "_flag", when(col(Cols.RISK_TIER).isin(RiskTier.FLAGGED.toArray()), 1).otherwise(0))
            .cache();

    // Average precision from a score histogram (100k buckets): exact up to ties inside a bucket.
    List<Row> buckets =
        scored
            .groupBy(round(col(Cols.RISK_SCORE), 5).as("_s"))
            .agg(sum("_pos").as("_p"), count(lit(1)).as("_n"))
            .orderBy(col("_s").desc())
            .collectAsList();
    long totalPositives = 0;
    for (Row r : buckets) {
      totalPositives += r.getLong(1);
    }
    double ap = 0;
    long seenPos = 0;
    long seen = 0;
    for (Row r : buckets) {
      long p = r.getLong(1);
      long n = r.getLong(2);
      // Within a bucket, positives are spread evenly: precision at the bucket's end point.
      seenPos += p;
      seen += n;
      if (p > 0) {
        ap += p * ((double) seenPos / seen);
      }
    }
    ap = totalPositives == 0 ? 0 : ap / totalPositives;

    Row totals =
        scored
            .agg(count(lit(1)), sum("_pos"), sum("_flag"), sum(col("_flag").multiply(col("_pos"))))
            .first();
    long accounts = totals.getLong(0);
    long positives = totals.isNullAt(1) ? 0 : totals.getLong(1);
    long flagged = totals.isNullAt(2) ? 0 : totals.getLong(2);
    long truePositives = totals.isNullAt(3) ? 0 : totals.getLong(3);

    Map<String, double[]> fpr = flaggedShareByKind(scored.filter(col("_pos").equalTo(0)));
    Map<String, double[]> byStyle = flaggedShareByKind(scored.filter(col("_pos").equalTo(1)));
    List<Row> rings =
        scored
            .filter(col("_pos").equalTo(1))
            .groupBy(GROUP_ID)
            .agg(sum("_flag").as("_f"), count(lit(1)).as("_n"))
            .collectAsList();
    long recovered = rings.stream().filter(r -> r.getLong(1) >= 0.8 * r.getLong(2)).count();
    scored.unpersist();
    return new Report(
        accounts,
        positives,
        ap,
        flagged == 0 ? 0 : (double) truePositives / flagged,
        positives == 0 ? 0 : (double) truePositives / positives,
        flagged,
        fpr,
        byStyle,
        recovered,
        rings.size());
  }

  /** kind -> {share flagged, flagged, accounts}. */
  private static Map<String, double[]> flaggedShareByKind(Dataset<Row> rows) {
    Map<String, double[]> out = new TreeMap<>();
    for (Row r : rows.groupBy(KIND).agg(sum("_flag"), count(lit(1))).collectAsList()) {
      long f = r.getLong(1);
      long n = r.getLong(2);
      out.put(r.getString(0), new double[] {n == 0 ? 0 : (double) f / n, f, n});
    }
    return out;
  }
}
