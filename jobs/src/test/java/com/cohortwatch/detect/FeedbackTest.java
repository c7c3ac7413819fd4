package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.testing.SharedSpark;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/** Each feedback step on a few hand-made rows. */
class FeedbackTest {
  static final LocalDate RUN = LocalDate.of(2026, 11, 20);

  private static SparkSession spark() {
    return SharedSpark.spark();
  }

  private static Timestamp at(String instant) {
    return Timestamp.from(Instant.parse(instant));
  }

  private static Dataset<Row> decisions(Object[]... rows) {
    List<Row> list = new ArrayList<>();
    for (Object[] r : rows) {
      list.add(RowFactory.create(r[0], r[1], at((String) r[2]), "analyst", null, at(r[2] + "")));
    }
    return spark().createDataFrame(list, Schemas.BRONZE_DECISIONS);
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static Map<String, Row> byKey(Dataset<Row> rows, String key) {
    return rows.collectAsList().stream().collect(Collectors.toMap(r -> r.getAs(key), r -> r));
  }

  private static List<Row> reasons(Row r) {
    return r.getList(r.fieldIndex(Cols.REASONS));
  }

  private static Object seq(Row... rows) {
    return JavaConverters.asScalaBuffer(new ArrayList<>(List.of(rows))).toSeq();
  }

  @Test
  void latestDecisionPerAccountTakenByTheEndOfTheRunDate() {
    Dataset<Row> d =
        decisions(
            new Object[] {"a", "cleared", "2026-11-10T00:00:00Z"},
            new Object[] {"a", "confirmed", "2026-11-15T00:00:00Z"},
            new Object[] {"b", "confirmed", "2026-11-10T00:00:00Z"},
            new Object[] {"b", "cleared", "2026-11-18T00:00:00Z"},
            new Object[] {"c", "cleared", "2026-11-21T00:00:00Z"}, // after the run date
            new Object[] {"d", "cleared", "2026-11-20T23:59:59Z"},
            new Object[] {"e", "cleared", "2026-11-12T08:00:00Z"},
            new Object[] {"e", "confirmed", "2026-11-12T08:00:00Z"}); // a tie: confirmed wins
    Map<String, Row> latest = byKey(Feedback.latestDecisions(d, RUN), Cols.ACCOUNT_ID);
    assertThat(latest).containsOnlyKeys("a", "b", "d", "e");
    assertThat(latest.get("a").<String>getAs(Cols.DECISION)).isEqualTo("confirmed");
    assertThat(latest.get("b").<String>getAs(Cols.DECISION)).isEqualTo("cleared");
    assertThat(latest.get("b").<Timestamp>getAs(Cols.DECIDED_AT))
        .isEqualTo(at("2026-11-18T00:00:00Z"));
    assertThat(latest.get("e").<String>getAs(Cols.DECISION)).isEqualTo("confirmed");
  }

  @Test
  void aConfirmedMemberRaisesOnlyItsClusterByTheBoost() {
    StructType clusterSchema =
        new StructType()
            .add(Cols.CLUSTER_ID, "string")
            .add(Scoring.LOGIT, "double")
            .add(Cols.RISK_SCORE, "double")
            .add(Cols.REASONS, DataTypes.createArrayType(Schemas.REASON));
    Row shared = RowFactory.create("SHARED_DEVICE", "SHARED_DEVICE: cluster c1: ...", 1.5);
    Dataset<Row> clusters =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("c1", -1.0, sigmoid(-1.0), seq(shared)),
                    RowFactory.create("c2", 0.5, sigmoid(0.5), seq())),
                clusterSchema);
    Dataset<Row> members =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create(Date.valueOf(RUN), "c1", "a"),
                    RowFactory.create(Date.valueOf(RUN), "c1", "b"),
                    RowFactory.create(Date.valueOf(RUN), "c2", "z")),
                Schemas.CLUSTER_MEMBERS);
    Dataset<Row> latest =
        Feedback.latestDecisions(
            decisions(
                new Object[] {"a", "confirmed", "2026-11-15T10:00:00Z"},
                new Object[] {"z", "cleared", "2026-11-15T10:00:00Z"}),
            RUN);
    Map<String, Row> out =
        byKey(Feedback.boostConfirmedClusters(clusters, members, latest, 2.0), Cols.CLUSTER_ID);
    Row c1 = out.get("c1");
    assertThat(c1.<Double>getAs(Scoring.LOGIT)).isCloseTo(1.0, within(1e-12));
    assertThat(c1.<Double>getAs(Cols.RISK_SCORE)).isCloseTo(sigmoid(1.0), within(1e-12));
    List<Row> r1 = reasons(c1);
    assertThat(r1).hasSize(2);
    assertThat(r1.get(0).<String>getAs(Cols.CODE)).isEqualTo(Feedback.CONFIRMED_MEMBER);
    assertThat(r1.get(0).<String>getAs(Cols.TEXT))
        .isEqualTo(
            "CONFIRMED_MEMBER: cluster c1: 1 member confirmed as fraudulent by review (latest"
                + " decision 2026-11-15); +2.0 on the logit");
    assertThat(r1.get(0).<Double>getAs(Cols.WEIGHT)).isEqualTo(2.0);
    assertThat(r1.get(1).<String>getAs(Cols.CODE)).isEqualTo("SHARED_DEVICE");
    Row c2 = out.get("c2");
    assertThat(c2.<Double>getAs(Scoring.LOGIT)).isEqualTo(0.5);
    assertThat(c2.<Double>getAs(Cols.RISK_SCORE)).isEqualTo(sigmoid(0.5));
    assertThat(reasons(c2)).isEmpty();
  }

  private static Dataset<Row> evidence(Object[]... rows) {
    StructType schema =
        new StructType()
            .add(Cols.ACCOUNT_A, "string")
            .add(Cols.ACCOUNT_B, "string")
            .add(Cols.WEIGHT, "double")
            .add(Cols.FIRST_SEEN, "timestamp");
    List<Row> list = new ArrayList<>();
    for (Object[] r : rows) {
      list.add(RowFactory.create(r[0], r[1], r[2], at((String) r[3])));
    }
    return spark().createDataFrame(list, schema);
  }

  @Test
  void newEvidenceIsAStrongLinkFirstSeenAfterTheDecisionInsideTheWindow() {
    Dataset<Row> latest =
        Feedback.latestDecisions(
            decisions(
                new Object[] {"b", "cleared", "2026-11-18T00:00:00Z"},
                new Object[] {"d", "cleared", "2026-11-20T23:59:59Z"},
                new Object[] {"f", "cleared", "2026-11-10T00:00:00Z"},
                new Object[] {"i", "cleared", "2026-10-01T00:00:00Z"},
                new Object[] {"k", "confirmed", "2026-11-01T00:00:00Z"}),
            RUN);
    Dataset<Row> ev =
        evidence(
            new Object[] {"b", "x", 0.9, "2026-11-19T03:00:00Z"}, // after b's decision
            new Object[] {"x", "b", 0.7, "2026-11-19T05:00:00Z"}, // after it, other end
            new Object[] {"b", "y", 0.9, "2026-11-02T03:00:00Z"}, // before it
            new Object[] {"d", "y", 0.9, "2026-11-19T03:00:00Z"}, // before d's decision
            new Object[] {"f", "y", 0.3, "2026-11-15T03:00:00Z"}, // too weak to join a cluster
            new Object[] {"i", "y", 0.9, "2026-10-22T03:00:00Z"}, // the window's first day
            new Object[] {"k", "y", 0.9, "2026-11-15T03:00:00Z"}); // k is not cleared
    Map<String, Row> c =
        byKey(
            Feedback.clearances(latest, ev, 0.6, RUN.minusDays(29)), // window 10-22 .. 11-20
            Cols.ACCOUNT_ID);
    assertThat(c).containsOnlyKeys("b", "d", "f", "i");
    assertThat(c.get("b").<Long>getAs(Feedback.NEW_LINKS)).isEqualTo(2L);
    assertThat(c.get("b").<Timestamp>getAs(Feedback.FIRST_NEW_EVIDENCE))
        .isEqualTo(at("2026-11-19T03:00:00Z"));
    assertThat(c.get("d").<Long>getAs(Feedback.NEW_LINKS)).isZero();
    assertThat(c.get("f").<Long>getAs(Feedback.NEW_LINKS)).isZero();
    assertThat(c.get("i").<Long>getAs(Feedback.NEW_LINKS)).isZero();
  }

  @Test
  void aClearedAccountIsCappedBelowHighUntilNewEvidence() {
    StructType schema =
        new StructType()
            .add(Cols.ACCOUNT_ID, "string")
            .add(Scoring.LOGIT, "double")
            .add(Cols.RISK_SCORE, "double")
            .add(Cols.REASONS, DataTypes.createArrayType(Schemas.REASON));
    Row tz = RowFactory.create("TZ_MISMATCH", "TZ_MISMATCH: ...", 2.1);
    Dataset<Row> accounts =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("b", 2.0, sigmoid(2.0), seq(tz)), // new evidence since
                    RowFactory.create("d", 2.0, sigmoid(2.0), seq(tz)), // capped
                    RowFactory.create("f", -3.0, sigmoid(-3.0), seq()), // already low
                    RowFactory.create("u", 2.0, sigmoid(2.0), seq(tz))), // no decision
                schema);
    Dataset<Row> clearances =
        Feedback.clearances(
            Feedback.latestDecisions(
                decisions(
                    new Object[] {"b", "cleared", "2026-11-18T00:00:00Z"},
                    new Object[] {"d", "cleared", "2026-11-17T12:00:00Z"},
                    new Object[] {"f", "cleared", "2026-11-10T00:00:00Z"}),
                RUN),
            evidence(new Object[] {"b", "x", 0.9, "2026-11-19T03:00:00Z"}),
            0.6,
            null);
    double cap = 0.59;
    Map<String, Row> out =
        byKey(
            Feedback.capCleared(accounts, clearances, cap)
                .withColumn(Cols.RISK_TIER, Scoring.tier(col(Cols.RISK_SCORE), 0.35, 0.6, 0.85)),
            Cols.ACCOUNT_ID);

    Row d = out.get("d");
    assertThat(d.<Double>getAs(Cols.RISK_SCORE)).isEqualTo(cap);
    assertThat(d.<String>getAs(Cols.RISK_TIER)).isEqualTo("medium");
    assertThat(d.<Double>getAs(Scoring.LOGIT)).isCloseTo(Math.log(cap / (1 - cap)), within(1e-12));
    Row dr = reasons(d).get(0);
    assertThat(dr.<String>getAs(Cols.CODE)).isEqualTo(Feedback.CLEARED_BY_REVIEW);
    assertThat(dr.<String>getAs(Cols.TEXT))
        .isEqualTo(
            "CLEARED_BY_REVIEW: cleared by review on 2026-11-17; score capped below high (at most"
                + " 0.59) until new evidence appears");
    assertThat(dr.<Double>getAs(Cols.WEIGHT))
        .isCloseTo(Math.log(cap / (1 - cap)) - 2.0, within(0.005));
    assertThat(reasons(d)).hasSize(2);

    Row b = out.get("b");
    assertThat(b.<Double>getAs(Cols.RISK_SCORE)).isEqualTo(sigmoid(2.0));
    assertThat(b.<String>getAs(Cols.RISK_TIER)).isEqualTo("critical");
    assertThat(reasons(b).get(0).<String>getAs(Cols.CODE))
        .isEqualTo(Feedback.NEW_EVIDENCE_SINCE_REVIEW);
    assertThat(reasons(b).get(0).<String>getAs(Cols.TEXT))
        .contains("cleared by review on 2026-11-18, but 1 link first seen since (from 2026-11-19)");

    Row f = out.get("f");
    assertThat(f.<Double>getAs(Cols.RISK_SCORE)).isEqualTo(sigmoid(-3.0));
    assertThat(reasons(f))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.<String>getAs(Cols.CODE)).isEqualTo(Feedback.CLEARED_BY_REVIEW);
              assertThat(r.<Double>getAs(Cols.WEIGHT)).isEqualTo(0.0);
            });

    Row u = out.get("u");
    assertThat(u.<Double>getAs(Cols.RISK_SCORE)).isEqualTo(sigmoid(2.0));
    assertThat(reasons(u))
        .singleElement()
        .satisfies(r -> assertThat(r.<String>getAs(Cols.CODE)).isEqualTo("TZ_MISMATCH"));
  }

  @Test
  void flagPrecisionCountsFlagsDecidedAfterTheirFirstFlag() {
    StructType schema =
        new StructType()
            .add(Cols.RUN_DATE, "date")
            .add(Cols.ACCOUNT_ID, "string")
            .add(Cols.RISK_TIER, "string");
    Dataset<Row> past =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create(Date.valueOf("2026-11-17"), "a", "high"),
                    RowFactory.create(Date.valueOf("2026-11-18"), "a", "critical"),
                    RowFactory.create(Date.valueOf("2026-11-17"), "b", "critical"),
                    RowFactory.create(Date.valueOf("2026-11-18"), "c", "high"),
                    RowFactory.create(Date.valueOf("2026-11-18"), "d", "high"),
                    RowFactory.create(Date.valueOf("2026-11-18"), "e", "medium"),
                    RowFactory.create(Date.valueOf("2026-11-18"), "g", "high")),
                schema);
    Dataset<Row> latest =
        Feedback.latestDecisions(
            decisions(
                new Object[] {"a", "confirmed", "2026-11-18T09:00:00Z"}, // after 11-17's flag
                new Object[] {"b", "cleared", "2026-11-19T09:00:00Z"},
                new Object[] {"c", "confirmed", "2026-11-19T00:00:00Z"},
                new Object[] {"d", "confirmed", "2026-11-18T09:00:00Z"}, // the day of its flag
                new Object[] {"e", "confirmed", "2026-11-19T09:00:00Z"}), // never flagged
            RUN);
    Row r = Feedback.flagPrecision(past, latest).first();
    assertThat(r.<Long>getAs(Feedback.DECIDED_FLAGS)).isEqualTo(3L); // a, b, c
    assertThat(r.<Long>getAs(Feedback.CONFIRMED_FLAGS)).isEqualTo(2L); // a, c
  }
}
