package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.testing.SharedSpark;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/** Every reason code, from a hand-made feature row where only its feature is strong. */
class ReasonCodesTest {
  /**
   * Reasons are tested with the hand-set weights, which give every older code a non-zero weight.
   */
  private static final RiskModel HAND_SET = RiskModel.resource(RiskModel.HAND_SET);

  /** A cluster with nothing remarkable about it. */
  private static Map<String, Object> neutralCluster() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(Cols.CLUSTER_ID, "c-test");
    m.put(Cols.SIZE, 3L);
    m.put(Cols.CLAIMED_COUNTRIES_COUNT, 1L);
    m.put(Cols.CLAIMED_COUNTRIES, List.of("US"));
    m.put(Cols.CLAIMED_TIMEZONES_COUNT, 1L);
    m.put(Scoring.LONE_TIMEZONES, 0L);
    m.put(Scoring.TZ_SHARE, 0.0);
    m.put(Cols.WORKING_HOURS_TIMEZONE, "UTC-5");
    m.put(Cols.WORKING_HOURS_FIT, 0.7);
    m.put(Cols.CREATED_SPAN_DAYS, 400.0);
    m.put(Cols.ANONYMISED_SHARE, 0.0);
    m.put(Cols.FOREIGN_SHARE, 0.0);
    m.put(Scoring.MAX_DEVICE_MEMBERS, 0L);
    m.put(Cols.SHARED_DEVICES, 0L);
    m.put(Scoring.MAX_PAYOUT_MEMBERS, 0L);
    m.put(Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP, 0L);
    m.put(Scoring.CROWD_IP, null);
    m.put(Scoring.MAX_HOTSPOT_MEMBERS, 0L);
    m.put(Scoring.HOTSPOT_IP, null);
    m.put(Cols.CO_LOGIN_MEMBERS, 0L);
    m.put(Scoring.HOME_SHARE, 0.0);
    m.put(Scoring.AGENCY_SHARE, 0.0);
    m.put(Cols.MAX_CREATED_WITHIN_21_DAYS, 1L);
    m.put(Cols.SHARED_SHIFT_SHARE, 0.0);
    m.put(Scoring.FAR_ABROAD_SHARE, 0.0);
    m.put(Scoring.FAR_HIDDEN_SHARE, 0.0);
    m.put(Scoring.HIDDEN_ABROAD_SHARE, 0.0);
    m.put(Scoring.HANDED_OVER_SHARE, 0.0);
    m.put(Scoring.HANDED_OVER_HIDDEN_SHARE, 0.0);
    return m;
  }

  private static Row clusterReasons(Map<String, Object> values) {
    return clusterReasons(values, HAND_SET);
  }

  private static Row clusterReasons(Map<String, Object> values, RiskModel model) {
    SparkSession spark = SharedSpark.spark();
    StructType schema = new StructType();
    List<Object> row = new ArrayList<>();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Object v = e.getValue();
      if (v instanceof List<?> list) {
        schema = schema.add(e.getKey(), DataTypes.createArrayType(DataTypes.StringType));
        row.add(JavaConverters.asScalaBuffer(new ArrayList<>(list)).toSeq());
      } else if (v instanceof Long) {
        schema = schema.add(e.getKey(), DataTypes.LongType);
        row.add(v);
      } else if (v instanceof Double) {
        schema = schema.add(e.getKey(), DataTypes.DoubleType);
        row.add(v);
      } else {
        schema = schema.add(e.getKey(), DataTypes.StringType);
        row.add(v);
      }
    }
    Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(row.toArray())), schema);
    return Scoring.scoreClusters(df, col(Cols.CLUSTER_ID), model)
        .select(Cols.REASONS, Cols.RISK_SCORE)
        .first();
  }

  private static List<String> texts(Row r) {
    List<Row> reasons = r.getList(0);
    List<String> out = new ArrayList<>();
    reasons.forEach(x -> out.add(x.<String>getAs(Cols.TEXT)));
    return out;
  }

  private static void assertReason(Map<String, Object> changes, String code, String fragment) {
    Map<String, Object> m = neutralCluster();
    m.putAll(changes);
    Row r = clusterReasons(m);
    assertThat(texts(r))
        .anySatisfy(t -> assertThat(t).startsWith(code + ": cluster c-test: ").contains(fragment));
  }

  @Test
  void neutralClusterIsLowWithoutRingReasons() {
    Row r = clusterReasons(neutralCluster());
    assertThat(r.getDouble(1)).isLessThan(0.05);
    assertThat(texts(r)).allMatch(t -> t.startsWith("SHARED_INFRASTRUCTURE: cluster c-test: 3"));
  }

  @Test
  void identitySpread() {
    assertReason(
        Map.of(
            Cols.CLAIMED_COUNTRIES_COUNT,
            4L,
            Cols.CLAIMED_COUNTRIES,
            List.of("CA", "JP", "PL", "US"),
            Cols.CLAIMED_TIMEZONES_COUNT,
            4L),
        "IDENTITY_SPREAD",
        "claim 4 countries (CA, JP, PL, US)");
  }

  @Test
  void tzMismatch() {
    assertReason(
        Map.of(
            Scoring.TZ_SHARE,
            0.9,
            Cols.WORKING_HOURS_TIMEZONE,
            "UTC+9",
            Cols.WORKING_HOURS_FIT,
            0.94),
        "TZ_MISMATCH",
        "UTC+9 working day (94 %)");
  }

  @Test
  void creationBurst() {
    assertReason(
        Map.of(Cols.SIZE, 8L, Cols.MAX_CREATED_WITHIN_21_DAYS, 7L),
        "CREATION_BURST",
        "7 of the 8 accounts were created within 21 days");
  }

  @Test
  void creationBurstOfAccountsHandedOver() {
    assertReason(
        Map.of(Cols.SIZE, 6L, Cols.MAX_CREATED_WITHIN_21_DAYS, 5L, Scoring.HANDED_OVER_SHARE, 0.67),
        "CREATION_BURST",
        "5 of the 6 accounts were created or changed hands within 21 days");
  }

  @Test
  void anonymisedInfra() {
    assertReason(Map.of(Cols.ANONYMISED_SHARE, 0.82), "ANONYMISED_INFRA", "82 % of logins");
  }

  @Test
  void foreignIp() {
    assertReason(Map.of(Cols.FOREIGN_SHARE, 0.61), "FOREIGN_IP", "61 % of non-VPN logins");
  }

  @Test
  void hiddenAbroad() {
    assertReason(
        Map.of(
            Scoring.HIDDEN_ABROAD_SHARE, 0.8, Cols.ANONYMISED_SHARE, 0.9, Cols.FOREIGN_SHARE, 0.7),
        "HIDDEN_ABROAD",
        "mostly through hosting or VPN addresses (90 %) and the rest from outside their claimed"
            + " countries (70 %)");
  }

  @Test
  void sharedDevice() {
    assertReason(
        Map.of(Scoring.MAX_DEVICE_MEMBERS, 5L, Cols.SHARED_DEVICES, 2L),
        "SHARED_DEVICE",
        "shared by 5 accounts");
  }

  @Test
  void sharedPayout() {
    assertReason(
        Map.of(Scoring.MAX_PAYOUT_MEMBERS, 7L),
        "SHARED_PAYOUT",
        "payout method is shared by 7 accounts");
  }

  @Test
  void residentialCrowd() {
    assertReason(
        Map.of(Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP, 14L, Scoring.CROWD_IP, "73.2.1.4"),
        "RESIDENTIAL_CROWD",
        "73.2.1.4 is used by 14 accounts");
  }

  @Test
  void coLogin() {
    assertReason(Map.of(Cols.CO_LOGIN_MEMBERS, 3L), "CO_LOGIN", "3 of 3 accounts");
  }

  @Test
  void homeFarmNeedsADeviceForEachAccount() {
    // the hand set predates the input: weigh it here so its reason shows
    Map<String, Double> weights = new LinkedHashMap<>(HAND_SET.coefficients());
    weights.put(com.cohortwatch.schema.ModelInputs.CLUSTER_HOME_FARM, 2.0);
    RiskModel model = new RiskModel("test", HAND_SET.intercept(), weights);
    Map<String, Object> farm = neutralCluster();
    farm.put(Cols.SIZE, 5L);
    farm.put(Cols.CO_LOGIN_MEMBERS, 5L);
    farm.put(Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP, 5L);
    farm.put(Scoring.CROWD_IP, "73.2.1.4");
    farm.put(Scoring.MAX_DEVICE_MEMBERS, 1L);
    assertThat(texts(clusterReasons(farm, model)))
        .anySatisfy(
            t ->
                assertThat(t)
                    .isEqualTo(
                        "HOME_FARM: cluster c-test: 5 accounts log in together from residential"
                            + " address 73.2.1.4, each on a device of its own (a family shares its"
                            + " laptop)"));
    // the same five at the keyboard together, but on the family's one laptop
    Map<String, Object> family = new LinkedHashMap<>(farm);
    family.put(Scoring.MAX_DEVICE_MEMBERS, 5L);
    family.put(Cols.SHARED_DEVICES, 1L);
    assertThat(texts(clusterReasons(family, model))).noneMatch(t -> t.startsWith("HOME_FARM"));
  }

  @Test
  void theShippedModelFlagsFiveLaptopsAtOneHomeButNotAFamilyOnOneLaptop() {
    RiskModel shipped = RiskModel.resource(RiskModel.EMBEDDED);
    // five accounts claiming where the address is, every login from it, made years apart, at the
    // keyboard together: nothing but the farm's shape
    Map<String, Object> farm = neutralCluster();
    farm.put(Cols.SIZE, 5L);
    farm.put(Scoring.HOME_SHARE, 1.0);
    farm.put(Cols.CO_LOGIN_MEMBERS, 5L);
    farm.put(Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP, 5L);
    farm.put(Scoring.CROWD_IP, "73.2.1.4");
    farm.put(Scoring.MAX_DEVICE_MEMBERS, 1L);
    assertThat(clusterReasons(farm, shipped).getDouble(1)).isGreaterThanOrEqualTo(0.6);
    Map<String, Object> family = new LinkedHashMap<>(farm);
    family.put(Scoring.MAX_DEVICE_MEMBERS, 5L);
    family.put(Cols.SHARED_DEVICES, 1L);
    assertThat(clusterReasons(family, shipped).getDouble(1)).isLessThan(0.6);
  }

  @Test
  void laptopsOnOnePhonesHotspotAreAFarmToo() {
    RiskModel shipped = RiskModel.resource(RiskModel.EMBEDDED);
    // four accounts at the keyboard together behind one phone: on the day the carrier gave it
    // 192.0.2.7 all four used it; no residential address at all
    Map<String, Object> farm = neutralCluster();
    farm.put(Cols.SIZE, 4L);
    farm.put(Scoring.HOME_SHARE, 1.0);
    farm.put(Cols.CO_LOGIN_MEMBERS, 4L);
    farm.put(Scoring.MAX_HOTSPOT_MEMBERS, 4L);
    farm.put(Scoring.HOTSPOT_IP, "192.0.2.7");
    farm.put(Scoring.MAX_DEVICE_MEMBERS, 1L);
    Row scored = clusterReasons(farm, shipped);
    assertThat(scored.getDouble(1)).isGreaterThanOrEqualTo(0.6);
    assertThat(texts(scored))
        .contains(
            "HOME_FARM: cluster c-test: 4 accounts log in together from mobile address 192.0.2.7 on"
                + " one day (a phone's hotspot), each on a device of its own (a family shares its"
                + " laptop)");
  }

  @Test
  void handedOverMembersAreNamedInTheClustersWords() {
    Map<String, Object> m = neutralCluster();
    m.put(Scoring.HANDED_OVER_SHARE, 0.75);
    m.put(Scoring.HANDED_OVER_HIDDEN_SHARE, 0.7);
    assertThat(texts(clusterReasons(m, RiskModel.resource(RiskModel.EMBEDDED))))
        .contains(
            "HANDED_OVER: cluster c-test: 75 % of members changed hands in the window (every"
                + " device and network new at once) and log in through hosting or VPN addresses"
                + " since");
  }

  @Test
  void consistentIdentityLowersTheScore() {
    assertReason(Map.of(Scoring.HOME_SHARE, 0.93), "CONSISTENT_IDENTITY", "93 % of logins");
  }

  @Test
  void agencyProfileLowersTheScore() {
    assertReason(
        Map.of(Scoring.AGENCY_SHARE, 1.0, Scoring.MAX_PAYOUT_MEMBERS, 6L),
        "AGENCY_PROFILE",
        "100 % of members");
    Map<String, Object> noSharedPayout = neutralCluster();
    noSharedPayout.put(Scoring.AGENCY_SHARE, 1.0);
    assertThat(texts(clusterReasons(noSharedPayout)))
        .noneMatch(t -> t.startsWith("AGENCY_PROFILE"));
  }

  @Test
  void singletonAccountReasonsUseTheAccountsOwnNumbers() {
    Row scored = SingletonScoring.score(HAND_SET, 50L, 40L, 9L, 10L, 1L, 1.0, 0.94, null);
    List<String> t = texts(scored);
    assertThat(t)
        .anySatisfy(
            x ->
                assertThat(x)
                    .isEqualTo(
                        "TZ_MISMATCH: 94 % of logins fit a UTC+9 working day; claims America/New_York (UTC-5)"));
    assertThat(t).anySatisfy(x -> assertThat(x).startsWith("ANONYMISED_INFRA: 80 %"));
    assertThat(t)
        .anySatisfy(
            x ->
                assertThat(x)
                    .startsWith(
                        "FOREIGN_IP: 90 % of non-VPN logins from outside the claimed country US"));
    assertThat(scored.getDouble(1)).isGreaterThan(0.35); // medium at least, on own evidence alone
  }
}
