package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.config.Settings;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.TestData;
import java.time.LocalDate;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One address used by 5,000 unrelated accounts (five times link.star-max), with a 10-account ring
 * hidden behind it (and sharing a server, devices and a wallet elsewhere): the ring is found, the
 * hub is not flagged, and the candidate pairs stay within the documented linear bound.
 */
class HubDetectionTest {
  static final String HUB_IP = "100.64.0.1";
  static final String RING_IP = "203.0.113.9";
  static final LocalDate DAY0 = LocalDate.of(2026, 11, 16);
  static final int DAYS = 5;
  static final int HUB_ACCOUNTS = 5_000;
  static final String[][] CLAIMS = {
    {"US", "America/New_York"},
    {"CA", "America/Toronto"},
    {"JP", "Asia/Tokyo"},
    {"PL", "Europe/Warsaw"},
    {"GB", "Europe/London"}
  };

  static Detection.Output out;
  static Dataset<Row> attributeDaily;
  static Dataset<Row> slots;
  static Settings settings = Settings.defaults();

  @BeforeAll
  static void detect() {
    SparkSession spark = SharedSpark.spark();
    TestData data = new TestData();
    Random random = new Random(7);
    for (int i = 0; i < HUB_ACCOUNTS; i++) {
      String id = String.format("h%05d", i);
      data.account(
          id, "US", "America/New_York", LocalDate.of(2023, 1, 1).plusDays(i % 900), "individual");
      data.payout(id, "pm-h" + i);
      for (int d = 0; d < DAYS; d++) {
        data.login(
            id, DAY0.plusDays(d), 13 + random.nextInt(10), random.nextInt(60), HUB_IP, "dh" + i);
      }
    }
    for (int r = 0; r < 10; r++) {
      String id = "r" + r;
      data.account(
          id,
          CLAIMS[r % 5][0],
          CLAIMS[r % 5][1],
          LocalDate.of(2026, 9, 1).plusDays(r),
          "individual");
      data.payout(id, "pm-wallet");
      for (int d = 0; d < DAYS; d++) {
        for (int k = 0; k < 4; k++) {
          // A UTC+9 office day, the team together on the same server, one login via the hub.
          String ip = k == 0 ? HUB_IP : RING_IP;
          data.login(id, DAY0.plusDays(d), 1 + 2 * k, r, ip, "dr" + (r % 3));
        }
      }
    }
    Dataset<Row> logins = data.logins(spark);
    attributeDaily = Rollups.attributeDaily(logins, 24, 48).cache();
    slots = Rollups.ipSlots(logins, 30).cache();
    out =
        Detection.run(
            spark,
            new Detection.Input(
                attributeDaily,
                Links.dailyMeetings(slots, Links.Params.from(settings).pairCap()),
                null,
                data.payouts(spark),
                data.accounts(spark),
                spark.createDataFrame(List.of(), Schemas.CLUSTER_MEMBERS),
                DAY0.plusDays(DAYS - 1),
                settings),
            Detection.UNTIMED);
  }

  @Test
  void ringIsOneFlaggedCluster() {
    List<Row> ring = out.accountRisk().filter(col(Cols.ACCOUNT_ID).startsWith("r")).collectAsList();
    assertThat(ring).hasSize(10);
    assertThat(
            ring.stream()
                .map(r -> r.<String>getAs(Cols.CLUSTER_ID))
                .distinct()
                .collect(Collectors.toList()))
        .hasSize(1)
        .doesNotContainNull();
    assertThat(ring)
        .allSatisfy(r -> assertThat(r.<String>getAs(Cols.RISK_TIER)).isIn("high", "critical"));
  }

  /**
   * Every column of the four gold tables comes out of detection under its table's name, so a
   * renamed step column fails here rather than at the night's publish.
   */
  @Test
  void detectionProducesEveryGoldColumn() {
    assertThat(out.accountRisk().columns()).contains(Schemas.ACCOUNT_RISK.fieldNames());
    assertThat(out.clusterRisk().columns()).contains(Schemas.CLUSTER_RISK.fieldNames());
    assertThat(out.clusterMembers().columns()).contains(Schemas.CLUSTER_MEMBERS.fieldNames());
    assertThat(out.linkEvidence().columns()).contains(Schemas.LINK_EVIDENCE.fieldNames());
  }

  @Test
  void hubAccountsAreNotFlagged() {
    long flagged =
        out.accountRisk()
            .filter(col(Cols.ACCOUNT_ID).startsWith("h"))
            .filter(col(Cols.RISK_TIER).isin("high", "critical"))
            .count();
    assertThat(flagged).isZero();
    assertThat(out.clusterMembers().filter(col(Cols.ACCOUNT_ID).startsWith("h")).count()).isZero();
  }

  @Test
  void candidatePairsStayWithinTheLinearBound() {
    SparkSession spark = SharedSpark.spark();
    Links.Params p = Links.Params.from(settings);
    Dataset<Row> ipInfo =
        Enrichment.ipInfo(
            attributeDaily
                .filter(col(Cols.ATTR_TYPE).equalTo("ip"))
                .select(col(Cols.ATTR_VALUE).as(Cols.IP))
                .distinct(),
            null);
    Dataset<Row> memberships =
        Links.memberships(
            attributeDaily,
            spark
                .createDataFrame(List.of(), Schemas.BRONZE_PAYOUT_METHODS)
                .select(Cols.ACCOUNT_ID, Cols.PAYOUT_METHOD_ID, Cols.ADDED_AT),
            ipInfo);
    long attributePairs =
        Links.attributePairs(
                memberships,
                Detection.activeDays(attributeDaily.filter(col(Cols.ATTR_TYPE).equalTo("ip"))),
                p)
            .count();
    long meetings = Links.slotMeetings(slots, p.pairCap()).count();
    long membershipRows = memberships.count() + slots.count();
    long bound = (long) ((p.pairCap() - 1) / 2.0 * membershipRows);
    assertThat(attributePairs + meetings).isLessThanOrEqualTo(bound);
    // The hub alone would be ~1.25e7 pairs; what is generated is the ring's few hundred.
    assertThat(attributePairs + meetings).isLessThan(5_000);
  }
}
