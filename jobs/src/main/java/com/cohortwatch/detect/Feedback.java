package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.RiskTier;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Moderation decisions fed back into the scores (docs/MODEL.md, "Feedback from review"): a cluster
 * with a confirmed member gains a fixed amount on the logit; an account cleared by review is capped
 * below the high tier until new evidence appears after the decision. Each step is a pure {@code
 * Dataset -> Dataset} function; with no decisions the scores pass through unchanged.
 */
public final class Feedback {
  private Feedback() {}

  public static final String CONFIRMED = "confirmed";
  public static final String CLEARED = "cleared";

  public static final String CONFIRMED_MEMBER = "CONFIRMED_MEMBER";
  public static final String CLEARED_BY_REVIEW = "CLEARED_BY_REVIEW";
  public static final String NEW_EVIDENCE_SINCE_REVIEW = "NEW_EVIDENCE_SINCE_REVIEW";

  /** Columns of a cleared account's standing. */
  public static final String NEW_LINKS = "new_evidence_links";

  public static final String FIRST_NEW_EVIDENCE = "first_new_evidence";

  /** Columns of the flag precision. */
  public static final String DECIDED_FLAGS = "decided_flags";

  public static final String CONFIRMED_FLAGS = "confirmed_flags";

  static Column startOf(LocalDate day) {
    return lit(Timestamp.from(day.atStartOfDay().toInstant(ZoneOffset.UTC)));
  }

  /**
   * Each account's latest decision taken before the end of the run date (UTC), so a rerun or a
   * backfill of an earlier date ignores later decisions. Ties on decided_at: confirmed wins.
   *
   * @param decisions bronze decisions: account_id, decision, decided_at (and more)
   * @return account_id, decision, decided_at
   */
  public static Dataset<Row> latestDecisions(Dataset<Row> decisions, LocalDate runDate) {
    return decisions
        .filter(col(Cols.DECIDED_AT).lt(startOf(runDate.plusDays(1))))
        .filter(col(Cols.DECISION).isin(CONFIRMED, CLEARED))
        .withColumn(
            "_rn",
            row_number()
                .over(
                    Window.partitionBy(col(Cols.ACCOUNT_ID))
                        .orderBy(col(Cols.DECIDED_AT).desc(), col(Cols.DECISION).desc())))
        .filter(col("_rn").equalTo(1))
        .select(col(Cols.ACCOUNT_ID), col(Cols.DECISION), col(Cols.DECIDED_AT));
  }

  private static Column reason(String code, Column text, Column weight) {
    return struct(
        lit(code).as(Cols.CODE),
        format_string("%s: %s", lit(code), text).as(Cols.TEXT),
        round(weight, 2).as(Cols.WEIGHT));
  }

  /**
   * Raises the logit of every cluster holding an account whose latest decision is confirmed by
   * {@code boost}, recomputes its score, and puts a CONFIRMED_MEMBER reason first. Other clusters
   * pass through untouched.
   *
   * @param clusters scored clusters: cluster_id, logit, risk_score, reasons (and more)
   * @param members account_id, cluster_id of this run
   * @param latest {@link #latestDecisions}
   */
  public static Dataset<Row> boostConfirmedClusters(
      Dataset<Row> clusters, Dataset<Row> members, Dataset<Row> latest, double boost) {
    Dataset<Row> confirmed =
        latest
            .filter(col(Cols.DECISION).equalTo(CONFIRMED))
            .join(members.select(Cols.ACCOUNT_ID, Cols.CLUSTER_ID), Cols.ACCOUNT_ID)
            .groupBy(col(Cols.CLUSTER_ID).as("_fc"))
            .agg(count(lit(1)).as("_confirmed"), max(Cols.DECIDED_AT).as("_confirmed_at"));
    Column hit = col("_confirmed").isNotNull();
    Column text =
        format_string(
            "cluster %s: %d %s confirmed as fraudulent by review (latest decision %s); +%.1f on"
                + " the logit",
            col(Cols.CLUSTER_ID),
            col("_confirmed"),
            when(col("_confirmed").equalTo(1), lit("member")).otherwise(lit("members")),
            date_format(col("_confirmed_at"), "yyyy-MM-dd"),
            lit(boost));
    return clusters
        .join(confirmed, col(Cols.CLUSTER_ID).equalTo(col("_fc")), "left")
        .withColumn(
            Scoring.LOGIT, when(hit, col(Scoring.LOGIT).plus(boost)).otherwise(col(Scoring.LOGIT)))
        .withColumn(
            Cols.RISK_SCORE,
            when(hit, Scoring.sigmoid(col(Scoring.LOGIT))).otherwise(col(Cols.RISK_SCORE)))
        .withColumn(
            Cols.REASONS,
            when(
                    hit,
                    concat(
                        array(reason(CONFIRMED_MEMBER, text, lit(boost))),
                        coalesce(col(Cols.REASONS), array())))
                .otherwise(col(Cols.REASONS)))
        .drop("_fc", "_confirmed", "_confirmed_at");
  }

  /**
   * Every account whose latest decision is cleared, with the new evidence against it: links of this
   * run touching it, at least {@code minWeight} heavy (enough to join a cluster), first seen after
   * the decision. A first sighting on the window's first day may be older than the window and does
   * not count.
   *
   * @param latest {@link #latestDecisions}
   * @param evidence this run's link evidence: account_a, account_b, weight, first_seen
   * @param windowStart first day of the scoring window (null: no such guard)
   * @return account_id, decided_at, new_evidence_links (0 when none), first_new_evidence
   */
  public static Dataset<Row> clearances(
      Dataset<Row> latest, Dataset<Row> evidence, double minWeight, LocalDate windowStart) {
    Dataset<Row> strong = evidence.filter(col(Cols.WEIGHT).geq(minWeight));
    if (windowStart != null) {
      strong = strong.filter(col(Cols.FIRST_SEEN).geq(startOf(windowStart.plusDays(1))));
    }
    Dataset<Row> ends =
        strong
            .select(col(Cols.ACCOUNT_A).as("_ea"), col(Cols.FIRST_SEEN).as("_fs"))
            .union(strong.select(col(Cols.ACCOUNT_B).as("_ea"), col(Cols.FIRST_SEEN).as("_fs")));
    Dataset<Row> cleared =
        latest
            .filter(col(Cols.DECISION).equalTo(CLEARED))
            .select(col(Cols.ACCOUNT_ID), col(Cols.DECIDED_AT));
    Dataset<Row> fresh =
        cleared
            .join(
                ends,
                col(Cols.ACCOUNT_ID).equalTo(col("_ea")).and(col("_fs").gt(col(Cols.DECIDED_AT))))
            .groupBy(col(Cols.ACCOUNT_ID).as("_na"))
            .agg(count(lit(1)).as(NEW_LINKS), min("_fs").as(FIRST_NEW_EVIDENCE));
    return cleared
        .join(fresh, col(Cols.ACCOUNT_ID).equalTo(col("_na")), "left")
        .select(
            col(Cols.ACCOUNT_ID),
            col(Cols.DECIDED_AT),
            coalesce(col(NEW_LINKS), lit(0L)).as(NEW_LINKS),
            col(FIRST_NEW_EVIDENCE));
  }

  /**
   * Caps each cleared account without new evidence at {@code cap} (logit and score), with a
   * CLEARED_BY_REVIEW reason first whose weight is what the cap took off the logit; a cleared
   * account with new evidence keeps its score and gets a NEW_EVIDENCE_SINCE_REVIEW reason (weight
   * 0). Other accounts pass through untouched. Tiers are applied afterwards.
   *
   * @param accounts scored accounts: account_id, logit, risk_score, reasons (and more)
   * @param clearances {@link #clearances}
   * @param cap the highest score a cleared account keeps (below the high tier)
   */
  public static Dataset<Row> capCleared(
      Dataset<Row> accounts, Dataset<Row> clearances, double cap) {
    double capLogit = Math.log(cap / (1 - cap));
    Dataset<Row> c =
        clearances.select(
            col(Cols.ACCOUNT_ID).as("_ca"),
            col(Cols.DECIDED_AT).as("_decided"),
            col(NEW_LINKS).as("_new"),
            col(FIRST_NEW_EVIDENCE).as("_first_new"));
    Column inForce = col("_decided").isNotNull().and(col("_new").equalTo(0));
    Column lifted = col("_decided").isNotNull().and(col("_new").gt(0));
    Column decidedOn = date_format(col("_decided"), "yyyy-MM-dd");
    Column capText =
        format_string(
            "cleared by review on %s; score capped below high (at most %.2f) until new evidence"
                + " appears",
            decidedOn, lit(cap));
    Column liftText =
        format_string(
            "cleared by review on %s, but %d %s first seen since (from %s): the cap no longer"
                + " applies",
            decidedOn,
            col("_new"),
            when(col("_new").equalTo(1), lit("link")).otherwise(lit("links")),
            date_format(col("_first_new"), "yyyy-MM-dd"));
    Column cappedLogit = least(col(Scoring.LOGIT), lit(capLogit));
    Column reasons = coalesce(col(Cols.REASONS), array());
    return accounts
        .join(c, col(Cols.ACCOUNT_ID).equalTo(col("_ca")), "left")
        .withColumn("_old_logit", col(Scoring.LOGIT))
        .withColumn(Scoring.LOGIT, when(inForce, cappedLogit).otherwise(col(Scoring.LOGIT)))
        .withColumn(
            Cols.RISK_SCORE,
            when(inForce, least(col(Cols.RISK_SCORE), lit(cap))).otherwise(col(Cols.RISK_SCORE)))
        .withColumn(
            Cols.REASONS,
            when(
                    inForce,
                    concat(
                        array(
                            reason(
                                CLEARED_BY_REVIEW,
                                capText,
                                col(Scoring.LOGIT).minus(col("_old_logit")))),
                        reasons))
                .when(
                    lifted,
                    concat(array(reason(NEW_EVIDENCE_SINCE_REVIEW, liftText, lit(0.0))), reasons))
                .otherwise(col(Cols.REASONS)))
        .drop("_ca", "_decided", "_new", "_first_new", "_old_logit");
  }

  /**
   * How right past flags were: among accounts flagged high or critical on an earlier run date whose
   * latest decision was taken after the day of their first flag, how many, and how many confirmed.
   * One row: decided_flags, confirmed_flags.
   *
   * @param pastRisk account_risk rows of earlier run dates: run_date, account_id, risk_tier
   * @param latest {@link #latestDecisions}
   */
  public static Dataset<Row> flagPrecision(Dataset<Row> pastRisk, Dataset<Row> latest) {
    Dataset<Row> flagged =
        pastRisk
            .filter(col(Cols.RISK_TIER).isin(RiskTier.FLAGGED.toArray()))
            .groupBy(col(Cols.ACCOUNT_ID).as("_fa"))
            .agg(min(Cols.RUN_DATE).as("_first_flag"));
    return flagged
        .join(latest, col("_fa").equalTo(col(Cols.ACCOUNT_ID)))
        .filter(col(Cols.DECIDED_AT).geq(date_add(col("_first_flag"), 1).cast("timestamp")))
        .agg(
            count(lit(1)).as(DECIDED_FLAGS),
            coalesce(sum(when(col(Cols.DECISION).equalTo(CONFIRMED), 1L).otherwise(0L)), lit(0L))
                .as(CONFIRMED_FLAGS));
  }
}
