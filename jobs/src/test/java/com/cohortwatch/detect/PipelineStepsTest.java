package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.TestData;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Each detection step on a few hand-made rows. */
class PipelineStepsTest {
  static final LocalDate DAY = LocalDate.of(2026, 11, 20);
  static final Links.Params PARAMS = new Links.Params(3, 10, 2, 0.6, 0.65, 14, 2, 2);

  private static SparkSession spark() {
    return SharedSpark.spark();
  }

  @Test
  void attributeDailyCountsLoginsAndHoursPerAttribute() {
    Dataset<Row> logins =
        new TestData()
            .login("a", DAY, 3, 0, "198.51.100.7", "d1")
            .login("a", DAY, 3, 30, "198.51.100.7", "d1")
            .login("a", DAY, 15, 0, "198.51.100.9", "d1")
            .logins(spark());
    Map<String, Row> rows =
        Rollups.attributeDaily(logins, 24, 48).collectAsList().stream()
            .collect(
                Collectors.toMap(
                    r -> r.<String>getAs(Cols.ATTR_TYPE) + "|" + r.<String>getAs(Cols.ATTR_VALUE),
                    r -> r));
    assertThat(rows.get("ip|198.51.100.7").<Integer>getAs(Cols.LOGINS)).isEqualTo(2);
    assertThat(rows.get("subnet|198.51.100.0/24").<Integer>getAs(Cols.LOGINS)).isEqualTo(3);
    assertThat(rows.get("device|d1").<Integer>getAs(Cols.LOGINS)).isEqualTo(3);
    List<Integer> hours =
        rows.get("ip|198.51.100.7").getList(rows.get("ip|198.51.100.7").fieldIndex(Cols.HOURS));
    assertThat(hours.get(3)).isEqualTo(2);
    assertThat(hours.stream().mapToInt(Integer::intValue).sum()).isEqualTo(2);
    List<Integer> other =
        rows.get("ip|198.51.100.9").getList(rows.get("ip|198.51.100.9").fieldIndex(Cols.HOURS));
    assertThat(other.get(15)).isEqualTo(1);
    // Only ip rows carry the profile: an account's hours are the sum over its ip rows.
    assertThat(rows.get("device|d1").<Object>getAs(Cols.HOURS)).isNull();
    assertThat(rows.get("subnet|198.51.100.0/24").<Object>getAs(Cols.HOURS)).isNull();
  }

  @Test
  void builtInSubnetMatchesTheIpLibraryForEveryPrefix() {
    List<String> ips =
        List.of(
            "0.0.0.0",
            "1.2.3.4",
            "10.255.128.1",
            "198.51.100.77",
            "203.0.113.255",
            "255.255.255.255",
            "2001:db8:aa:bb::1",
            "::ffff:c633:644d");
    Dataset<Row> df =
        spark()
            .createDataFrame(
                ips.stream().map(ip -> RowFactory.create(ip)).collect(Collectors.toList()),
                new StructType().add(Cols.IP, "string"));
    for (int prefix : new int[] {0, 1, 8, 16, 20, 24, 31, 32}) {
      List<Row> got =
          df.select(col(Cols.IP), Rollups.subnet(col(Cols.IP), prefix, 48).as("s")).collectAsList();
      for (Row r : got) {
        assertThat(r.getString(1))
            .as("%s /%d", r.getString(0), prefix)
            .isEqualTo(com.cohortwatch.values.IpNormalizer.subnet(r.getString(0), prefix, 48));
      }
    }
  }

  @Test
  void ipSlotsPutLoginsMinutesApartInOneSlot() {
    Dataset<Row> logins =
        new TestData()
            .login("a", DAY, 3, 1, "198.51.100.7", "d1")
            .login("b", DAY, 3, 20, "198.51.100.7", "d2")
            .login("c", DAY, 3, 40, "198.51.100.7", "d3")
            .logins(spark());
    List<Row> slots = Rollups.ipSlots(logins, 30).collectAsList();
    assertThat(slots).hasSize(3);
    assertThat(slots.stream().map(r -> r.getLong(2)).distinct().count()).isEqualTo(2);
  }

  @Test
  void enrichmentTakesTheLongestMatchingPrefix() {
    TestData data =
        new TestData()
            .intel("198.51.0.0/16", "c6330000", "c633ffff", 16, "US", "residential")
            .intel("198.51.100.0/24", "c6336400", "c63364ff", 24, "NL", "hosting");
    StructType ipSchema = new StructType().add(Cols.IP, "string");
    Dataset<Row> ips =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("198.51.100.7"),
                    RowFactory.create("198.51.7.1"),
                    RowFactory.create("203.0.113.1")),
                ipSchema);
    Map<String, String> usage =
        Enrichment.ipInfo(ips, data.intel(spark())).collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> String.valueOf(r.getString(1))));
    assertThat(usage)
        .containsEntry("198.51.100.7", "hosting")
        .containsEntry("198.51.7.1", "residential")
        .containsEntry("203.0.113.1", "null");
  }

  @Test
  void aResidentialRangeOfAVpnProvidersAsCountsAsVpn() {
    // AS 65100 sells VPN exits from three /24s and one it is labelled "residential" for; AS 64600
    // is a broadband provider with a hosting arm; AS 65200 has two VPN ranges only (too few to
    // doubt its third)
    TestData data =
        new TestData()
            .intel("198.51.1.0/24", "c6330100", "c63301ff", 24, "US", "vpn", "65100")
            .intel("198.51.2.0/24", "c6330200", "c63302ff", 24, "NL", "vpn", "65100")
            .intel("198.51.3.0/24", "c6330300", "c63303ff", 24, "NL", "vpn", "65100")
            .intel("198.51.4.0/24", "c6330400", "c63304ff", 24, "DE", "residential", "65100")
            .intel("203.0.0.0/24", "cb000000", "cb0000ff", 24, "US", "residential", "64600")
            .intel("203.0.1.0/24", "cb000100", "cb0001ff", 24, "US", "residential", "64600")
            .intel("203.0.2.0/24", "cb000200", "cb0002ff", 24, "US", "residential", "64600")
            .intel("203.0.3.0/24", "cb000300", "cb0003ff", 24, "US", "hosting", "64600")
            .intel("192.0.1.0/24", "c0000100", "c00001ff", 24, "SG", "vpn", "65200")
            .intel("192.0.2.0/24", "c0000200", "c00002ff", 24, "SG", "vpn", "65200")
            .intel("192.0.3.0/24", "c0000300", "c00003ff", 24, "SG", "residential", "65200");
    Dataset<Row> ips =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("198.51.4.9"),
                    RowFactory.create("203.0.1.9"),
                    RowFactory.create("203.0.3.9"),
                    RowFactory.create("192.0.3.9")),
                new StructType().add(Cols.IP, "string"));
    Map<String, String> usage =
        Enrichment.ipInfo(ips, data.intel(spark())).collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> String.valueOf(r.getString(1))));
    assertThat(usage)
        .containsEntry("198.51.4.9", "vpn")
        .containsEntry("203.0.1.9", "residential")
        .containsEntry("203.0.3.9", "hosting")
        .containsEntry("192.0.3.9", "residential");
  }

  // The labelled addresses and the memberships are materialised, as Detection.run materialises
  // them: the exit and star steps read them many times over, and an unmaterialised lineage made the
  // plans of those tests grow until analysing them took half a minute each.
  private static Dataset<Row> ipInfo(TestData data) {
    Dataset<Row> daily = Rollups.attributeDaily(data.logins(spark()), 24, 48);
    return Enrichment.ipInfo(
            daily
                .filter(col(Cols.ATTR_TYPE).equalTo("ip"))
                .select(col(Cols.ATTR_VALUE).as(Cols.IP))
                .distinct(),
            data.intel(spark()))
        .localCheckpoint();
  }

  private static Dataset<Row> memberships(TestData data) {
    Dataset<Row> daily = Rollups.attributeDaily(data.logins(spark()), 24, 48);
    return Links.memberships(daily, data.payouts(spark()), ipInfo(data)).localCheckpoint();
  }

  /** The distinct days each account logged in, as the pipeline reads them. */
  private static Dataset<Row> activeDays(TestData data) {
    return Detection.activeDays(
            Rollups.attributeDaily(data.logins(spark()), 24, 48)
                .filter(col(Cols.ATTR_TYPE).equalTo("ip")))
        .localCheckpoint();
  }

  /** Four countries, and a residential /24 of home lines in each (HOME_NETS[c] + ".0/24"). */
  static final String[] HOME_COUNTRIES = {"IN", "EG", "PK", "TR"};

  static final String[] HOME_NETS = {"203.0.10", "203.0.11", "203.0.12", "203.0.13"};

  private static TestData withHomeLines(TestData data) {
    for (int c = 0; c < HOME_COUNTRIES.length; c++) {
      data.intel(
          HOME_NETS[c] + ".0/24",
          String.format("cb000%x00", 10 + c),
          String.format("cb000%xff", 10 + c),
          24,
          HOME_COUNTRIES[c],
          "residential");
    }
    return data;
  }

  @Test
  void anAddressOfPeopleAtHomeInManyCountriesIsNoStarButACallCentresIs() {
    // Eight accounts on each of two addresses no intel range covers (star-sized with pair cap 3,
    // star max 10), claiming four countries. Through 192.0.2.1 the users of a VPN exit, each of
    // whom also logs in from a home line in the country it claims; through 192.0.2.2 a call
    // centre's operators, who log in from nowhere else.
    String[] countries = HOME_COUNTRIES;
    String[] homeNets = HOME_NETS;
    TestData data = withHomeLines(new TestData());
    for (int i = 0; i < 8; i++) {
      String country = countries[i % 4];
      data.account("user-" + i, country, "UTC", DAY, "individual")
          .account("operator-" + i, country, "UTC", DAY, "individual")
          .login("user-" + i, DAY, 10, i, "192.0.2.1", "u" + i)
          .login("user-" + i, DAY, 18, i, homeNets[i % 4] + "." + (i + 1), "u" + i)
          .login("operator-" + i, DAY, 10, i, "192.0.2.2", "o" + i);
    }
    List<String> starAddresses =
        Links.starHubs(memberships(data), ipInfo(data), data.accounts(spark()), PARAMS)
            .filter(col(Cols.ATTR_TYPE).equalTo("ip"))
            .select(Cols.ATTR_VALUE)
            .distinct()
            .collectAsList()
            .stream()
            .map(r -> r.getString(0))
            .collect(Collectors.toList());
    assertThat(starAddresses).containsExactly("192.0.2.2");
  }

  @Test
  void aBlockOfUnlabelledAddressesWhoseUsersAlsoLogInAtHomeIsTreatedAsAVpnExit() {
    // No intel range covers 192.0.2.0/24, 198.51.100.0/24 or 203.0.113.0/24. Through three
    // addresses of 192.0.2.0/24, the users of a small VPN provider (four countries), each of whom
    // also logs in from a home line in the country it claims; through two of 198.51.100.0/24, a
    // call centre's operators, who log in from nowhere else; through the single address
    // 203.0.113.7, a proxy ring's leak: same signature as the exit, but one address.
    String[] countries = HOME_COUNTRIES;
    String[] homeNets = HOME_NETS;
    TestData data = withHomeLines(new TestData());
    for (int i = 0; i < 8; i++) {
      String country = countries[i % 4];
      String home = homeNets[i % 4] + "." + (i + 1);
      data.account("user-" + i, country, "UTC", DAY, "individual")
          .account("operator-" + i, country, "UTC", DAY, "individual")
          .account("proxied-" + i, country, "UTC", DAY, "individual")
          .login("user-" + i, DAY, 10, i, "192.0.2." + (1 + i % 3), "u" + i)
          .login("user-" + i, DAY.minusDays(1), 10, i, "192.0.2." + (1 + (i + 1) % 3), "u" + i)
          .login("user-" + i, DAY, 18, i, home, "u" + i)
          .login("operator-" + i, DAY, 10, i, "198.51.100." + (1 + i % 2), "o" + i)
          .login("proxied-" + i, DAY, 10, i, "203.0.113.7", "p" + i)
          .login("proxied-" + i, DAY, 18, i, homeNets[i % 4] + "." + (100 + i), "p" + i);
    }
    Dataset<Row> labelled = ipInfo(data);
    Dataset<Row> memberships = memberships(data);
    Dataset<Row> exits =
        Exits.inferred(
            memberships, labelled, data.accounts(spark()), 24, 48, Dataset::localCheckpoint);
    List<String> exitAddresses =
        exits.select(Cols.IP).collectAsList().stream()
            .map(r -> r.getString(0))
            .collect(Collectors.toList());
    assertThat(exitAddresses).containsExactlyInAnyOrder("192.0.2.1", "192.0.2.2", "192.0.2.3");

    // Relabelled, the exit is a VPN exit of its own block (for exit twins), and a link through it
    // weighs what a VPN exit's does; the home lines keep their label.
    Map<String, Row> info =
        Exits.relabel(labelled, exits).collectAsList().stream()
            .collect(Collectors.toMap(r -> r.<String>getAs(Cols.IP), r -> r));
    assertThat(info.get("192.0.2.1").<String>getAs(Cols.USAGE_TYPE)).isEqualTo("vpn");
    assertThat(info.get("192.0.2.1").<String>getAs(Cols.ASN)).isEqualTo("exits:192.0.2.0/24");
    assertThat(info.get("198.51.100.1").<String>getAs(Cols.USAGE_TYPE)).isNull();
    assertThat(info.get("203.0.10.1").<String>getAs(Cols.USAGE_TYPE)).isEqualTo("residential");
    Map<String, Double> weightBefore = ipWeights(memberships);
    Map<String, Double> weightAfter = ipWeights(Exits.relabelMemberships(memberships, exits));
    assertThat(weightAfter.get("192.0.2.1")).isLessThan(weightBefore.get("192.0.2.1") * 0.6);
    assertThat(weightAfter.get("198.51.100.1")).isEqualTo(weightBefore.get("198.51.100.1"));
    assertThat(weightAfter.get("203.0.113.7")).isEqualTo(weightBefore.get("203.0.113.7"));
  }

  @Test
  void aBatchOfAccountsMadeTogetherThatLeaksThroughOneAddressAbroadIsAStar() {
    // 198.51.100.9 (no intel: no country): five identities made within ten days, claiming three
    // countries, among three strangers made years apart. 203.0.10.5, a home line in India: five
    // accounts made together that claim India (a family, an office). 198.51.100.10: six accounts
    // claiming many countries, made a month apart each.
    TestData data = withHomeLines(new TestData());
    for (int i = 0; i < 5; i++) {
      data.account("ring-" + i, HOME_COUNTRIES[i % 3], "UTC", DAY.minusDays(300 + 2 * i), "x")
          .login("ring-" + i, DAY, 3, i, "198.51.100.9", "r" + i)
          .account("family-" + i, "IN", "UTC", DAY.minusDays(100 + i), "x")
          .login("family-" + i, DAY, 18, i, "203.0.10.5", "f" + i);
    }
    for (int i = 0; i < 3; i++) {
      data.account("stranger-" + i, "TR", "UTC", DAY.minusDays(800 + 400 * i), "x")
          .login("stranger-" + i, DAY, 9, i, "198.51.100.9", "s" + i);
    }
    for (int i = 0; i < 6; i++) {
      data.account("apart-" + i, HOME_COUNTRIES[i % 4], "UTC", DAY.minusDays(30 * i), "x")
          .login("apart-" + i, DAY, 12, i, "198.51.100.10", "a" + i);
    }
    Links.Params params = new Links.Params(10, 20, 2, 0.6, 0.65, 14, 2, 2);
    List<Row> stars =
        Links.cohortStars(memberships(data), ipInfo(data), data.accounts(spark()), params)
            .collectAsList();
    assertThat(stars)
        .extracting(r -> r.<String>getAs(Cols.ACCOUNT_ID))
        .containsExactlyInAnyOrder("ring-0", "ring-1", "ring-2", "ring-3", "ring-4");
    assertThat(stars)
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs(Cols.ATTR_TYPE)).isEqualTo(AttributeKind.COHORT.value());
              assertThat(r.<String>getAs(Cols.ATTR_VALUE)).isEqualTo("198.51.100.9");
              assertThat(r.<Long>getAs(Cols.N_ACCOUNTS)).isEqualTo(5L);
            });
  }

  /** Each shared address's pair link weight (one pair per address in these tests). */
  private static Map<String, Double> ipLinkWeights(Dataset<Row> memberships, TestData data) {
    return Links.attributePairs(memberships, activeDays(data), PARAMS)
        .filter(col(Cols.LINK_TYPE).equalTo("ip"))
        .collectAsList()
        .stream()
        .collect(
            Collectors.toMap(
                r -> r.<String>getAs(Cols.ATTRIBUTE), r -> r.<Double>getAs(Cols.WEIGHT)));
  }

  private static Map<String, Double> ipWeights(Dataset<Row> memberships) {
    return memberships.filter(col(Cols.ATTR_TYPE).equalTo("ip")).collectAsList().stream()
        .collect(
            Collectors.toMap(
                r -> r.<String>getAs(Cols.ATTR_VALUE),
                r -> r.<Double>getAs(Cols.WEIGHT),
                (x, y) -> x));
  }

  @Test
  void anAddressOneOfTheTwoUsedOnOneDayOnlyIsAVisitAndWeighsLess() {
    // 203.0.10.7: a couple's home line on three days each; 203.0.10.8: a home line a guest used
    // on one day (twice), its owner on three.
    TestData data = withHomeLines(new TestData());
    for (int d = 0; d < 3; d++) {
      data.login("partner-a", DAY.minusDays(d), 8, 0, "203.0.10.7", "pa")
          .login("partner-b", DAY.minusDays(d), 19, 0, "203.0.10.7", "pb")
          .login("owner", DAY.minusDays(d), 19, 0, "203.0.10.8", "ow");
    }
    data.login("guest", DAY, 10, 0, "203.0.10.8", "gu")
        .login("guest", DAY, 11, 0, "203.0.10.8", "gu");
    Dataset<Row> m = memberships(data);
    Map<String, Double> linkWeight = ipLinkWeights(m, data);
    Map<String, Double> addressWeight = ipWeights(m);
    assertThat(linkWeight.get("203.0.10.7")).isEqualTo(addressWeight.get("203.0.10.7"));
    assertThat(linkWeight.get("203.0.10.8"))
        .isCloseTo(addressWeight.get("203.0.10.8") * Links.VISIT_DISCOUNT, within(1e-12));
    // Both addresses have two accounts: the same weight before the discount.
    assertThat(addressWeight.get("203.0.10.8")).isEqualTo(addressWeight.get("203.0.10.7"));
  }

  @Test
  void exitsOfABlockThatRingsCrowdAreJudgedOneByOne() {
    // No intel covers 192.0.2.0/24 or 198.51.100.0/24. In 192.0.2.0/24 two addresses each serve
    // four honest VPN users (four countries, each also at home where it claims) and a third
    // serves a ring of twelve that logs in from nowhere else: the block's users are mostly the
    // ring, so the block fails as a whole, but its two honest exits are exits. In 198.51.100.0/24
    // one address has the exit's signature and another is a ring's: one address alone is no
    // provider.
    TestData data = withHomeLines(new TestData());
    for (int i = 0; i < 8; i++) {
      String country = HOME_COUNTRIES[i % 4];
      data.account("user-" + i, country, "UTC", DAY, "individual")
          .login("user-" + i, DAY, 10, i, "192.0.2." + (1 + i / 4), "u" + i)
          .login("user-" + i, DAY, 18, i, HOME_NETS[i % 4] + "." + (i + 1), "u" + i);
    }
    for (int i = 0; i < 4; i++) {
      String country = HOME_COUNTRIES[i % 4];
      data.account("lone-" + i, country, "UTC", DAY, "individual")
          .login("lone-" + i, DAY, 10, i, "198.51.100.1", "l" + i)
          .login("lone-" + i, DAY, 18, i, HOME_NETS[i % 4] + "." + (50 + i), "l" + i);
    }
    for (int i = 0; i < 12; i++) {
      String country = HOME_COUNTRIES[i % 4];
      data.account("operator-" + i, country, "UTC", DAY, "individual")
          .login("operator-" + i, DAY, 10, i, "192.0.2.9", "o" + i)
          .account("other-" + i, country, "UTC", DAY, "individual")
          .login("other-" + i, DAY, 10, i, "198.51.100.9", "x" + i);
    }
    Dataset<Row> exits =
        Exits.inferred(
            memberships(data),
            ipInfo(data),
            data.accounts(spark()),
            24,
            48,
            Dataset::localCheckpoint);
    assertThat(exits.collectAsList())
        .extracting(r -> r.<String>getAs(Cols.IP) + " " + r.<String>getAs("_exit_key"))
        .containsExactlyInAnyOrder("192.0.2.1 192.0.2.0/24", "192.0.2.2 192.0.2.0/24");
  }

  @Test
  void aGuestWhoStaysSomeDaysOnAHomeLineWeighsLessThanPeopleWhoShareIt() {
    // Nine days. 203.0.10.20: a host's home line on every day, and a traveller's on four of its
    // nine (the rest at its own home, 203.0.11.5): not at home there, so a guest. 203.0.10.21: two
    // laptops of a farm, both on it every day. 203.0.10.22: two accounts that pass through a line
    // on three days each and live elsewhere: neither is at home, so no stay.
    TestData data = withHomeLines(new TestData());
    for (int d = 0; d < 9; d++) {
      LocalDate day = DAY.minusDays(d);
      data.login("host", day, 20, 0, "203.0.10.20", "h")
          .login("traveller", day, 9, 0, d < 4 ? "203.0.10.20" : "203.0.11.5", "t")
          .login("laptop-1", day, 3, 0, "203.0.10.21", "l1")
          .login("laptop-2", day, 4, 0, "203.0.10.21", "l2")
          .login("passer-1", day, 5, 0, d < 3 ? "203.0.10.22" : "203.0.12.6", "p1")
          .login("passer-2", day, 6, 0, d >= 6 ? "203.0.10.22" : "203.0.13.7", "p2");
    }
    Dataset<Row> m = memberships(data);
    Map<String, Double> linkWeight = ipLinkWeights(m, data);
    Map<String, Double> addressWeight = ipWeights(m);
    assertThat(linkWeight.get("203.0.10.20"))
        .isCloseTo(addressWeight.get("203.0.10.20") * Links.STAY_DISCOUNT, within(1e-12));
    assertThat(linkWeight.get("203.0.10.21")).isEqualTo(addressWeight.get("203.0.10.21"));
    assertThat(linkWeight.get("203.0.10.22")).isEqualTo(addressWeight.get("203.0.10.22"));
    // The stay alone no longer reaches the cluster threshold; the farm's line does.
    Map<String, Double> pairWeight =
        Links.pairWeights(Links.attributePairs(m, activeDays(data), PARAMS))
            .collectAsList()
            .stream()
            .collect(
                Collectors.toMap(
                    r -> r.getAs(Cols.ACCOUNT_A) + "-" + r.getAs(Cols.ACCOUNT_B),
                    r -> r.<Double>getAs(Cols.WEIGHT)));
    assertThat(pairWeight.get("host-traveller")).isLessThan(PARAMS.minLinkWeight());
    assertThat(pairWeight.get("laptop-1-laptop-2")).isGreaterThan(PARAMS.minLinkWeight());
  }

  @Test
  void rareAttributesWeighMoreAndHubsAreNotPaired() {
    TestData data = new TestData();
    data.login("a", DAY, 1, 0, "198.51.100.1", "shared-2")
        .login("b", DAY, 1, 0, "198.51.100.2", "shared-2");
    for (String x : new String[] {"c", "d", "e", "f"}) {
      data.login(x, DAY, 1, 0, "198.51.100.3", "hub-device"); // 4 accounts > cap 3
    }
    Dataset<Row> m = memberships(data);
    Map<String, Double> weight =
        m.filter(col(Cols.ATTR_TYPE).equalTo("device")).collectAsList().stream()
            .collect(
                Collectors.toMap(
                    r -> r.<String>getAs(Cols.ATTR_VALUE),
                    r -> r.<Double>getAs(Cols.WEIGHT),
                    (x, y) -> x));
    assertThat(weight.get("shared-2")).isGreaterThan(weight.get("hub-device"));
    List<Row> pairs =
        Links.attributePairs(m, activeDays(data), PARAMS)
            .filter(col(Cols.LINK_TYPE).equalTo("device"))
            .collectAsList();
    assertThat(pairs).hasSize(1);
    assertThat(pairs.get(0).<String>getAs(Cols.ACCOUNT_A)).isEqualTo("a");
    // The hub is a star instead (4 accounts, within star-max 10).
    assertThat(
            Links.starHubs(m, ipInfo(data), data.accounts(spark()), PARAMS)
                .filter(col(Cols.ATTR_VALUE).equalTo("hub-device"))
                .count())
        .isEqualTo(4);
  }

  @Test
  void laptopsThatMoveThroughACarriersAddressesTogetherAreOneHotspot() {
    TestData data =
        new TestData().intel("192.0.2.0/24", "c0000200", "c00002ff", 24, "US", "mobile");
    for (int d = 0; d < 4; d++) {
      // behind one phone: every day the carrier hands the phone another address
      data.login("h1", DAY.minusDays(d), 14, 0, "192.0.2." + (10 + d), "dh1");
      data.login("h2", DAY.minusDays(d), 14, 5, "192.0.2." + (10 + d), "dh2");
      // two phones that the gateway puts on one address at the same moment
      data.login("g1", DAY.minusDays(d), 3, 0, "192.0.2.50", "dg1");
      data.login("g2", DAY.minusDays(d), 3, 5, "192.0.2.50", "dg2");
    }
    Dataset<Row> logins = data.logins(spark());
    Dataset<Row> slots = Rollups.ipSlots(logins, 30);
    Dataset<Row> active =
        Detection.activeDays(
            Rollups.attributeDaily(logins, 24, 48).filter(col(Cols.ATTR_TYPE).equalTo("ip")));
    Dataset<Row> ipInfo = Enrichment.ipInfo(slots.select(Cols.IP).distinct(), data.intel(spark()));
    Map<String, Double> weights = new java.util.HashMap<>();
    Links.coLoginPairs(Links.dailyMeetings(slots, PARAMS.pairCap()), active, ipInfo, PARAMS)
        .collectAsList()
        .forEach(
            r ->
                weights.put(
                    r.getAs(Cols.ACCOUNT_A) + "-" + r.getAs(Cols.ACCOUNT_B), r.getAs(Cols.WEIGHT)));
    assertThat(weights.keySet()).containsExactlyInAnyOrder("h1-h2", "g1-g2");
    assertThat(weights.get("h1-h2")).isCloseTo(0.85, within(1e-9));
    assertThat(weights.get("g1-g2")).isCloseTo(0.85 * 0.3, within(1e-9));
  }

  @Test
  void coLoginNeedsRepeatedMeetingsOnMostActiveDays() {
    TestData data = new TestData();
    for (int d = 0; d < 4; d++) {
      data.login("a", DAY.minusDays(d), 2, 0, "203.0.113.5", "da");
      data.login("b", DAY.minusDays(d), 2, 5, "203.0.113.5", "db");
      // c meets them once, and is active on other days elsewhere
      data.login("c", DAY.minusDays(d), 9, 0, "203.0.113.77", "dc");
    }
    data.login("c", DAY, 2, 10, "203.0.113.5", "dc");
    Dataset<Row> logins = data.logins(spark());
    Dataset<Row> slots = Rollups.ipSlots(logins, 30);
    Dataset<Row> m = memberships(data);
    Dataset<Row> active =
        m.filter(col(Cols.ATTR_TYPE).equalTo("ip"))
            .groupBy(Cols.ACCOUNT_ID)
            .agg(org.apache.spark.sql.functions.max(Cols.ACTIVE_DAYS).as(Cols.ACTIVE_DAYS));
    Dataset<Row> ipInfo = Enrichment.ipInfo(slots.select(Cols.IP).distinct(), null);
    List<Row> links =
        Links.coLoginPairs(Links.dailyMeetings(slots, PARAMS.pairCap()), active, ipInfo, PARAMS)
            .collectAsList();
    assertThat(links).hasSize(1);
    assertThat(links.get(0).<String>getAs(Cols.ACCOUNT_A)).isEqualTo("a");
    assertThat(links.get(0).<String>getAs(Cols.ACCOUNT_B)).isEqualTo("b");
    assertThat(links.get(0).<Double>getAs(Cols.WEIGHT)).isCloseTo(0.85, within(1e-9));
  }

  @Test
  void cohortLinksAccountsMadeTogetherThatShareSeveralAddresses() {
    // a and b were created three days apart and both work through the same two exits; c uses the
    // same exits but was created a year earlier; d was created with a but shares only one exit.
    TestData data =
        new TestData()
            .account("a", "US", "America/New_York", DAY.minusDays(60), "individual")
            .account("b", "CA", "America/Toronto", DAY.minusDays(57), "individual")
            .account("c", "US", "America/Chicago", DAY.minusDays(425), "individual")
            .account("d", "PL", "Europe/Warsaw", DAY.minusDays(61), "individual");
    for (String account : List.of("a", "b", "c")) {
      // each address on two days: shared use, not a visit (Links.VISIT_DISCOUNT)
      for (int d = 0; d < 2; d++) {
        data.login(account, DAY.minusDays(2 * d), 3, 0, "203.0.113.5", "d" + account);
        data.login(account, DAY.minusDays(2 * d + 1), 4, 0, "203.0.113.6", "d" + account);
      }
    }
    data.login("d", DAY, 9, 0, "203.0.113.5", "dd");
    Links.Params params = new Links.Params(10, 20, 2, 0.6, 0.65, 14, 2, 2);
    Dataset<Row> pairs = Links.attributePairs(memberships(data), activeDays(data), params);
    List<Row> cohort =
        Links.cohortPairs(pairs, data.accounts(spark()), noTwins(), params).collectAsList();

    assertThat(cohort).hasSize(1);
    Row link = cohort.get(0);
    assertThat(link.<String>getAs(Cols.ACCOUNT_A)).isEqualTo("a");
    assertThat(link.<String>getAs(Cols.ACCOUNT_B)).isEqualTo("b");
    assertThat(link.<String>getAs(Cols.LINK_TYPE)).isEqualTo(AttributeKind.COHORT.value());
    // addresses of unknown use (0.6) shared by four and by three accounts (rarity 1.8 / ln(n + 5));
    // the stronger one is already the pair's ip link, so the cohort link carries the other, and
    // together they are the noisy-or of both
    double four = 0.6 * 1.8 / Math.log(9);
    double three = 0.6 * 1.8 / Math.log(8);
    assertThat(link.<Double>getAs(Cols.WEIGHT)).isCloseTo(four, within(1e-9));
    Dataset<Row> pairWeight =
        Links.pairWeights(
            pairs
                .filter(col(Cols.LINK_TYPE).equalTo(AttributeKind.IP.value()))
                .unionByName(Links.cohortPairs(pairs, data.accounts(spark()), noTwins(), params))
                .filter(col(Cols.ACCOUNT_A).equalTo("a").and(col(Cols.ACCOUNT_B).equalTo("b"))));
    assertThat(pairWeight.first().<Double>getAs(Cols.WEIGHT))
        .isCloseTo(1 - (1 - four) * (1 - three), within(1e-9))
        .isGreaterThan(params.minLinkWeight());
  }

  /** No pair passes the exit-twin gate: cohort links from the creation gate alone. */
  private static Dataset<Row> noTwins() {
    return spark()
        .createDataFrame(
            List.of(),
            new StructType()
                .add(Cols.ACCOUNT_A, "string")
                .add(Cols.ACCOUNT_B, "string")
                .add(Links.TWIN_STRENGTH, "double"));
  }

  @Test
  void exitTwinsShareMoreExitsOfABigProviderThanChanceButNotOfASmallOne() {
    // AS 65100 has 40 exits in the window, each used by one stranger; a and b, made a year apart,
    // both work through the same four of them, c shares two with a. AS 65200 has five exits and d
    // and e both use all five: on a provider that small every heavy user shares every exit.
    TestData data =
        new TestData()
            .intel("198.51.0.0/16", "c6330000", "c633ffff", 16, "NL", "vpn", "65100")
            .intel("192.0.2.0/24", "c0000200", "c00002ff", 24, "SG", "vpn", "65200")
            .account("a", "US", "America/New_York", DAY.minusDays(400), "individual")
            .account("b", "CA", "America/Toronto", DAY.minusDays(30), "individual")
            .account("c", "PL", "Europe/Warsaw", DAY.minusDays(31), "individual")
            .account("d", "US", "America/Chicago", DAY.minusDays(60), "individual")
            .account("e", "US", "America/Denver", DAY.minusDays(61), "individual");
    for (int e = 1; e <= 40; e++) {
      data.login("s" + e, DAY, 1, 0, "198.51.0." + e, "ds" + e);
    }
    for (int e = 1; e <= 4; e++) {
      data.login("a", DAY.minusDays(e), 9, 0, "198.51.0." + e, "da");
      data.login("b", DAY.minusDays(e), 15, 0, "198.51.0." + e, "db");
    }
    data.login("c", DAY, 10, 0, "198.51.0.1", "dc").login("c", DAY, 11, 0, "198.51.0.2", "dc");
    for (int e = 1; e <= 5; e++) {
      data.login("d", DAY.minusDays(e), 9, 0, "192.0.2." + e, "dd");
      data.login("e", DAY.minusDays(e), 9, 0, "192.0.2." + e, "de");
    }
    Links.Params params = new Links.Params(10, 20, 2, 0.6, 0.65, 14, 2, 3, 4, 5.0);
    Dataset<Row> shared = Links.attributePairs(memberships(data), activeDays(data), params);

    Dataset<Row> twins = Links.exitTwins(shared, memberships(data), ipInfo(data), params);

    // a and b: 4 shared where chance gives 4 x 4 / 40 = 0.4; d and e: 5 where chance gives 5
    assertThat(twins.collectAsList())
        .extracting(r -> r.getString(0) + "-" + r.getString(1))
        .containsExactly("a-b");
    List<Row> cohort =
        Links.cohortPairs(shared, data.accounts(spark()), twins, params).collectAsList();
    assertThat(cohort)
        .extracting(r -> r.<String>getAs(Cols.ACCOUNT_A) + "-" + r.<String>getAs(Cols.ACCOUNT_B))
        .containsExactly("a-b");
    // four shared exits where chance gives 0.4: strength 0.9; the addresses alone (vpn 0.3 x
    // rarity, two exits of four users, c's too, and two of three) would give the noisy-or of the
    // three weaker ones, less than the twin weight
    assertThat(twins.first().<Double>getAs(Links.TWIN_STRENGTH)).isCloseTo(0.9, within(1e-9));
    double four = 0.3 * 1.8 / Math.log(9);
    double three = 0.3 * 1.8 / Math.log(8);
    double twin = Links.TWIN_WEIGHT * 0.9;
    assertThat(1 - Math.pow(1 - four, 2) * (1 - three)).isLessThan(twin);
    assertThat(cohort.get(0).<Double>getAs(Cols.WEIGHT)).isCloseTo(twin, within(1e-9));
    Dataset<Row> pairWeight =
        Links.pairWeights(
            shared
                .filter(col(Cols.ACCOUNT_A).equalTo("a").and(col(Cols.ACCOUNT_B).equalTo("b")))
                .unionByName(Links.cohortPairs(shared, data.accounts(spark()), twins, params)));
    assertThat(pairWeight.first().<Double>getAs(Cols.WEIGHT))
        .isGreaterThan(0.6)
        .isCloseTo(1 - (1 - three) * (1 - twin), within(1e-9));
  }

  @Test
  void aCohortPairNeedsAThirdAccountWhenGroupsOfThreeAreAsked() {
    StructType schema =
        new StructType().add(Cols.ACCOUNT_A, "string").add(Cols.ACCOUNT_B, "string");
    Dataset<Row> edges =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("a", "b"),
                    RowFactory.create("b", "c"),
                    RowFactory.create("a", "c"),
                    RowFactory.create("c", "d"),
                    RowFactory.create("d", "e"),
                    RowFactory.create("x", "y")),
                schema);
    List<String> onTriangle =
        Links.inTriangle(edges).collectAsList().stream()
            .map(r -> r.getString(0) + "-" + r.getString(1))
            .sorted()
            .collect(Collectors.toList());
    assertThat(onTriangle).containsExactly("a-b", "a-c", "b-c");
  }

  @Test
  void cohortTrianglesCountOnlyStrongSides() {
    // three accounts made in one week: a, b and c pairwise share two exits, but c shares with a
    // and b only exits that crowds use; with groups of three asked, no side of a weak triangle
    // becomes a link
    TestData data = new TestData();
    for (String account : List.of("a", "b", "c")) {
      data.account(account, "US", "America/New_York", DAY.minusDays(60), "individual");
    }
    for (String account : List.of("a", "b")) {
      data.login(account, DAY, 3, 0, "203.0.113.5", "d" + account);
      data.login(account, DAY.minusDays(1), 4, 0, "203.0.113.6", "d" + account);
    }
    // c meets them on two exits that twenty strangers also use
    for (int i = 0; i < 20; i++) {
      data.login("s" + i, DAY, 12, 0, "198.51.100.1", "ds" + i);
      data.login("s" + i, DAY, 13, 0, "198.51.100.2", "ds" + i);
    }
    for (String account : List.of("a", "b", "c")) {
      data.login(account, DAY, 12, 0, "198.51.100.1", "d" + account);
      data.login(account, DAY, 13, 0, "198.51.100.2", "d" + account);
    }
    Links.Params pairs = new Links.Params(30, 60, 2, 0.6, 0.65, 14, 2, 2);
    Links.Params triangles = new Links.Params(30, 60, 2, 0.6, 0.65, 14, 2, 3);
    Dataset<Row> shared = Links.attributePairs(memberships(data), activeDays(data), pairs);
    Dataset<Row> accounts = data.accounts(spark());
    assertThat(Links.cohortPairs(shared, accounts, noTwins(), pairs).count()).isEqualTo(3);
    assertThat(Links.cohortPairs(shared, accounts, noTwins(), triangles).count()).isZero();
  }

  @Test
  void pairWeightIsNoisyOrOfTheStrongestLinkPerType() {
    StructType schema =
        new StructType()
            .add(Cols.ACCOUNT_A, "string")
            .add(Cols.ACCOUNT_B, "string")
            .add(Cols.LINK_TYPE, "string")
            .add(Cols.WEIGHT, "double");
    Dataset<Row> links =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("a", "b", "ip", 0.5),
                    RowFactory.create("a", "b", "ip", 0.2),
                    RowFactory.create("a", "b", "device", 0.5)),
                schema);
    assertThat(Links.pairWeights(links).first().<Double>getAs(Cols.WEIGHT))
        .isCloseTo(0.75, within(1e-9));
  }

  @Test
  void oversizedComponentsAreSplitIntoTheirDenseParts() {
    List<Row> edges = new ArrayList<>();
    // two tight triangles joined by one weak-but-passing bridge
    for (String[] e :
        new String[][] {
          {"a1", "a2"}, {"a2", "a3"}, {"a1", "a3"}, {"b1", "b2"}, {"b2", "b3"}, {"b1", "b3"}
        }) {
      edges.add(RowFactory.create(e[0], e[1], 0.95));
    }
    edges.add(RowFactory.create("a3", "b1", 0.65));
    Map<String, String> whole = clusters(edges, new Clustering.Params(0.6, 10, 8, 1.0));
    assertThat(whole.values()).containsOnly("a1");
    Map<String, String> split = clusters(edges, new Clustering.Params(0.6, 4, 2, 1.0));
    assertThat(split).containsEntry("a3", "a1").containsEntry("b3", "b1");
  }

  /** account -> cluster key of {@link Clustering#cluster} on account pairs, with no star hubs. */
  private static Map<String, String> clusters(List<Row> pairs, Clustering.Params p) {
    StructType schema =
        new StructType()
            .add(Cols.ACCOUNT_A, "string")
            .add(Cols.ACCOUNT_B, "string")
            .add(Cols.WEIGHT, "double");
    Dataset<Row> noStars =
        spark()
            .createDataFrame(
                List.of(),
                new StructType()
                    .add(Cols.ATTR_TYPE, "string")
                    .add(Cols.ATTR_VALUE, "string")
                    .add(Cols.ACCOUNT_ID, "string"));
    return Clustering.cluster(spark(), spark().createDataFrame(pairs, schema), noStars, 0.65, p)
        .collectAsList()
        .stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
  }

  @Test
  void ringsGluedIntoOneComponentBecomeSeparateClusters() {
    List<Row> edges = new ArrayList<>();
    for (String ring : new String[] {"p", "q"}) {
      for (int i = 1; i <= 5; i++) {
        for (int j = i + 1; j <= 5; j++) {
          edges.add(RowFactory.create(ring + i, ring + j, 0.9));
        }
      }
    }
    edges.add(RowFactory.create("p5", "q1", 0.62)); // two rings met once on a shared VPN exit
    Map<String, String> clusters = clusters(edges, new Clustering.Params(0.6, 200, 8, 1.0));
    assertThat(clusters).hasSize(10);
    assertThat(clusters.entrySet())
        .allSatisfy(e -> assertThat(e.getValue()).isEqualTo(e.getKey().charAt(0) + "1"));
  }

  /** A creation time d days after 1 January 2026. */
  private static java.sql.Timestamp createdOnDay(int d) {
    return new java.sql.Timestamp(
        java.sql.Timestamp.valueOf("2026-01-01 00:00:00").getTime() + d * 86_400_000L);
  }

  /** Clustered members with the account features the burst and shift steps read. */
  private static Dataset<Row> clusteredMembers(List<Row> rows) {
    return spark()
        .createDataFrame(
            rows,
            new StructType()
                .add(Cols.ACCOUNT_ID, "string")
                .add(Clustering.COMPONENT, "string")
                .add(Cols.CREATED_AT, "timestamp")
                .add(Features.HANDOVER_DATE, "date")
                .add(Cols.LOGINS, "long")
                .add(Features.BEST_OFFSET, "int")
                .add(Features.CLAIMED_OFFSET, "int"));
  }

  /** One cluster's working-hours offset, as clusterFeatures gives it. */
  private static Dataset<Row> clusterOffset(String component, int offset) {
    return spark()
        .createDataFrame(
            List.of(RowFactory.create(component, offset)),
            new StructType()
                .add(Clustering.COMPONENT, "string")
                .add(Cols.WORKING_HOURS_OFFSET, "int"));
  }

  @Test
  void creationBurstCountsTheMostMembersWithinAny21DaysAndSharedShiftTheFarShiftShare() {
    java.util.function.IntFunction<java.sql.Timestamp> day = PipelineStepsTest::createdOnDay;
    // two rings merged into one cluster: three created in January, three in June, one old
    // account; the January three work a UTC+9 shift claiming UTC-5
    List<Row> rows =
        List.of(
            RowFactory.create("a", "k", day.apply(0), null, 50L, 9, -5),
            RowFactory.create("b", "k", day.apply(10), null, 50L, 9, -5),
            RowFactory.create("c", "k", day.apply(20), null, 50L, 8, -5),
            RowFactory.create("d", "k", day.apply(150), null, 50L, -5, -5),
            RowFactory.create("e", "k", day.apply(155), null, 50L, -5, -5),
            RowFactory.create("f", "k", day.apply(200), null, 5L, 9, -5),
            RowFactory.create("g", "k", day.apply(-900), null, 50L, 3, -5));
    Dataset<Row> members = clusteredMembers(rows);
    Row burst = Scoring.creationBursts(members).first();
    assertThat(burst.<Long>getAs(Cols.MAX_CREATED_WITHIN_21_DAYS)).isEqualTo(3L);
    Dataset<Row> offsets = clusterOffset("k", 9);
    Row shift = Scoring.sharedShifts(members, offsets).first();
    // a, b, c agree within an hour of UTC+9 and sit 13-14 h (so 10-11 h round the clock) from
    // UTC-5; f has too few logins to tell; d, e work their claimed zone; g another shift
    assertThat(shift.<Double>getAs(Cols.SHARED_SHIFT_SHARE)).isCloseTo(3.0 / 7, within(1e-9));
  }

  @Test
  void accountsHandedOverTogetherFormABurstOnTheDaysTheyChangedHands() {
    java.util.function.IntFunction<java.sql.Timestamp> day = PipelineStepsTest::createdOnDay;
    java.util.function.IntFunction<java.sql.Date> handed =
        d -> new java.sql.Date(day.apply(d).getTime());
    // a rented ring: four accounts their first owners made years apart, handed to one new holder
    // within 12 days; an old member who never changed hands; two made in one week long ago
    List<Row> rows =
        List.of(
            RowFactory.create("r1", "k", day.apply(-1200), handed.apply(300), 50L, 9, -5),
            RowFactory.create("r2", "k", day.apply(-700), handed.apply(305), 50L, 9, -5),
            RowFactory.create("r3", "k", day.apply(-400), handed.apply(310), 50L, 9, -5),
            RowFactory.create("r4", "k", day.apply(-90), handed.apply(312), 50L, 9, -5),
            RowFactory.create("o1", "k", day.apply(-500), null, 50L, -5, -5),
            RowFactory.create("o2", "k", day.apply(-30), null, 50L, -5, -5),
            RowFactory.create("o3", "k", day.apply(-25), null, 50L, -5, -5));
    Dataset<Row> members = clusteredMembers(rows);
    Row burst = Scoring.creationBursts(members).first();
    // by creation alone the densest 21 days hold two (o2, o3); by acquisition, the four rented
    assertThat(burst.<Long>getAs(Cols.MAX_CREATED_WITHIN_21_DAYS)).isEqualTo(4L);
    Dataset<Row> clusterFeatures = clusterOffset("k", 9);
    Dataset<Row> memberships =
        spark()
            .createDataFrame(
                List.<Row>of(),
                new StructType()
                    .add(Cols.ACCOUNT_ID, "string")
                    .add(Cols.ATTR_TYPE, "string")
                    .add(Cols.ATTR_VALUE, "string"));
    Map<String, Double> inBurst = new java.util.TreeMap<>();
    for (Row r :
        Scoring.memberTraits(
                members.select(Cols.ACCOUNT_ID, Clustering.COMPONENT),
                members.drop(Clustering.COMPONENT),
                clusterFeatures,
                memberships)
            .collectAsList()) {
      inBurst.put(r.getAs(Cols.ACCOUNT_ID), r.<Double>getAs(Scoring.IN_BURST));
    }
    assertThat(inBurst)
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(
                Map.of(
                    "o1", 0.0, "o2", 0.0, "o3", 0.0, "r1", 1.0, "r2", 1.0, "r3", 1.0, "r4", 1.0)));
  }

  @Test
  void memberTraitsMarkWhoWasCreatedInTheBurstAndWorksTheClusterShift() {
    StructType schema =
        new StructType()
            .add(Cols.ACCOUNT_ID, "string")
            .add(Cols.CREATED_AT, "timestamp")
            .add(Features.HANDOVER_DATE, "date")
            .add(Cols.LOGINS, "long")
            .add(Features.BEST_OFFSET, "int")
            .add(Features.CLAIMED_OFFSET, "int");
    java.util.function.IntFunction<java.sql.Timestamp> day = PipelineStepsTest::createdOnDay;
    // a ring of three made in January on a UTC+9 shift, and two old VPN users a mislabelled exit
    // pulled into its cluster, each on her own claimed hours; one more old account with no date
    Dataset<Row> features =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("a", day.apply(0), null, 50L, 9, -5),
                    RowFactory.create("b", day.apply(10), null, 50L, 9, -5),
                    RowFactory.create("c", day.apply(21), null, 50L, 8, 1),
                    RowFactory.create("v1", day.apply(-700), null, 50L, 3, 3),
                    RowFactory.create("v2", day.apply(-300), null, 50L, -5, -5),
                    RowFactory.create("x", null, null, 50L, 9, -5)),
                schema);
    Dataset<Row> members =
        spark()
            .createDataFrame(
                List.of("a", "b", "c", "v1", "v2", "x").stream()
                    .map(id -> RowFactory.create(id, "k"))
                    .toList(),
                new StructType()
                    .add(Cols.ACCOUNT_ID, "string")
                    .add(Clustering.COMPONENT, "string"));
    Dataset<Row> clusterFeatures = clusterOffset("k", 9);
    // a and b share a payout method, v1 shares a device with c; v2's device is its own
    Dataset<Row> memberships =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("a", AttributeKind.PAYOUT.value(), "pm1"),
                    RowFactory.create("b", AttributeKind.PAYOUT.value(), "pm1"),
                    RowFactory.create("c", AttributeKind.DEVICE.value(), "d1"),
                    RowFactory.create("v1", AttributeKind.DEVICE.value(), "d1"),
                    RowFactory.create("v2", AttributeKind.DEVICE.value(), "d2")),
                new StructType()
                    .add(Cols.ACCOUNT_ID, "string")
                    .add(Cols.ATTR_TYPE, "string")
                    .add(Cols.ATTR_VALUE, "string"));
    Map<String, double[]> traits = new java.util.TreeMap<>();
    for (Row r :
        Scoring.memberTraits(members, features, clusterFeatures, memberships).collectAsList()) {
      traits.put(
          r.getAs(Cols.ACCOUNT_ID),
          new double[] {
            r.<Double>getAs(Scoring.IN_BURST),
            r.<Double>getAs(Scoring.ON_SHIFT),
            r.<Double>getAs(Scoring.SHARES_DEVICE),
            r.<Double>getAs(Scoring.SHARES_PAYOUT)
          });
    }
    assertThat(traits.keySet()).containsExactly("a", "b", "c", "v1", "v2", "x");
    // c was made on day 21, inside a's 21 days; its UTC+8 shift agrees within an hour with the
    // cluster's UTC+9 and lies 7 hours from its claimed UTC+1
    assertThat(traits.get("a")).containsExactly(1.0, 1.0, 0.0, 1.0);
    assertThat(traits.get("b")).containsExactly(1.0, 1.0, 0.0, 1.0);
    assertThat(traits.get("c")).containsExactly(1.0, 1.0, 1.0, 0.0);
    assertThat(traits.get("v1")).containsExactly(0.0, 0.0, 1.0, 0.0);
    assertThat(traits.get("v2")).containsExactly(0.0, 0.0, 0.0, 0.0);
    // no creation date: not in the burst, but its far shift still counts
    assertThat(traits.get("x")).containsExactly(0.0, 1.0, 0.0, 0.0);
  }

  @Test
  void aMemberInheritsTheClusterBurstAndShiftOnlyWhenItHasTheTrait() {
    StructType schema =
        new StructType()
            .add(Cols.ACCOUNT_ID, "string")
            .add(Cols.TZ_MISMATCH, "double")
            .add(Features.ANON_LOGINS, "long")
            .add(Cols.LOGINS, "long")
            .add(Features.FOREIGN_LOGINS, "long")
            .add(Features.NONANON_KNOWN_LOGINS, "long")
            .add(Features.HOME_LOGINS, "long")
            .add(Scoring.ATTACHMENT, "double")
            .add(Scoring.IN_BURST, "double")
            .add(Scoring.ON_SHIFT, "double")
            .add(Scoring.SHARES_DEVICE, "double")
            .add(Scoring.SHARES_PAYOUT, "double")
            .add(Features.HANDOVER_DATE, "date");
    Dataset<Row> rows =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create(
                        "ring", 0.0, 0L, 10L, 0L, 10L, 10L, 1.0, 1.0, 1.0, 1.0, 1.0, null),
                    RowFactory.create(
                        "old", 0.0, 0L, 10L, 0L, 10L, 10L, 1.0, 0.0, 0.0, 0.0, 0.0, null),
                    RowFactory.create(
                        "half", 0.0, 0L, 10L, 0L, 10L, 10L, 0.5, 1.0, 0.0, 1.0, 0.0, null)),
                schema);
    List<org.apache.spark.sql.Column> values = new ArrayList<>();
    for (com.cohortwatch.schema.ModelInputs.Input in : com.cohortwatch.schema.ModelInputs.ALL) {
      values.add(org.apache.spark.sql.functions.lit(0.8).as(in.name()));
    }
    org.apache.spark.sql.Column cluster =
        org.apache.spark.sql.functions.struct(values.toArray(new org.apache.spark.sql.Column[0]));
    Map<String, Row> inputs =
        rows
            .select(
                col(Cols.ACCOUNT_ID),
                Scoring.accountInputs(
                        cluster, col(Scoring.ATTACHMENT), Scoring.MemberTraits.columns())
                    .as("i"))
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.getStruct(1)));
    java.util.function.BiFunction<String, String, Double> value =
        (account, input) -> inputs.get(account).getAs(input);
    String burst = com.cohortwatch.schema.ModelInputs.CLUSTER_CREATION_BURST;
    String coLoginBurst = com.cohortwatch.schema.ModelInputs.CLUSTER_CO_LOGIN_BURST;
    String shift = com.cohortwatch.schema.ModelInputs.CLUSTER_SHARED_SHIFT;
    String spread = com.cohortwatch.schema.ModelInputs.CLUSTER_IDENTITY_SPREAD;
    String payout = com.cohortwatch.schema.ModelInputs.CLUSTER_SHARED_PAYOUT;
    String farm = com.cohortwatch.schema.ModelInputs.CLUSTER_HOME_FARM;
    assertThat(value.apply("ring", burst)).isCloseTo(0.8, within(1e-9));
    assertThat(value.apply("ring", coLoginBurst)).isCloseTo(0.8, within(1e-9));
    assertThat(value.apply("ring", shift)).isCloseTo(0.8, within(1e-9));
    // the old account pulled in by a shared exit keeps the cluster's other evidence only
    assertThat(value.apply("old", burst)).isZero();
    assertThat(value.apply("old", coLoginBurst)).isZero();
    assertThat(value.apply("old", shift)).isZero();
    assertThat(value.apply("old", payout)).isZero();
    assertThat(value.apply("old", spread)).isCloseTo(0.8, within(1e-9));
    // a complement factor (1 - shared device) is not a trait the member must have
    assertThat(value.apply("old", farm)).isCloseTo(0.8, within(1e-9));
    // attachment still scales what a member inherits
    assertThat(value.apply("half", burst)).isCloseTo(0.4, within(1e-9));
    assertThat(value.apply("half", shift)).isZero();
  }

  @Test
  void activeDaysAreDistinctDaysNotTheBusiestAddresssDays() {
    TestData data = new TestData().account("a", "US", "America/New_York", DAY, "individual");
    // a rotating VPN exit: one address a day
    for (int d = 0; d < 6; d++) {
      data.login("a", DAY.plusDays(d), 3, 0, "198.51.100." + (d + 1), "d");
    }
    Dataset<Row> ipDaily =
        Rollups.attributeDaily(data.logins(spark()), 24, 48)
            .filter(col(Cols.ATTR_TYPE).equalTo("ip"));
    assertThat(Detection.activeDays(ipDaily).first().getLong(1)).isEqualTo(6L);
  }

  @Test
  void accountFeaturesMeasureAnonymisedAndForeignLogins() {
    TestData data =
        new TestData()
            .account("a", "US", "America/New_York", DAY.minusDays(100), "individual")
            .intel("198.51.100.0/24", "c6336400", "c63364ff", 24, "NL", "hosting")
            .intel("203.0.113.0/24", "cb007100", "cb0071ff", 24, "CN", "residential");
    for (int k = 0; k < 9; k++) {
      data.login("a", DAY, 1 + k % 8, k, "198.51.100.1", "d");
    }
    data.login("a", DAY, 2, 0, "203.0.113.1", "d");
    FeatureInputs in = FeatureInputs.of(data);
    Row f =
        accountFeatures(data, in, Features.handovers(in.memberships()), DAY.minusDays(29)).first();
    assertThat(f.<Long>getAs(Cols.LOGINS)).isEqualTo(10L);
    assertThat(f.<Long>getAs(Features.ANON_LOGINS)).isEqualTo(9L);
    assertThat(f.<Long>getAs(Features.FOREIGN_LOGINS)).isEqualTo(1L);
    assertThat(f.<Integer>getAs(Features.CLAIMED_OFFSET)).isEqualTo(-5);
    assertThat(f.<Double>getAs(Cols.TZ_MISMATCH)).isGreaterThan(0.5);
  }

  @Test
  void activeDaysCountEachDayOfALongWindowOnceOverAllAddresses() {
    // A 150-day window needs three words of day bits; the days at the words' edges (63, 64, 127,
    // 128) and the window's first and last days are always among an account's days. A login before
    // the window counts nowhere.
    LocalDate start = DAY.minusDays(149);
    java.util.Random random = new java.util.Random(7);
    TestData data = new TestData();
    Map<String, java.util.Set<LocalDate>> days = new java.util.HashMap<>();
    Map<String, Long> logins = new java.util.HashMap<>();
    for (int a = 0; a < 4; a++) {
      String account = "acc-" + a;
      data.account(account, "US", "America/New_York", start.minusDays(400), "individual");
      List<Integer> picked = new ArrayList<>(List.of(0, 63, 64, 127, 128, 149));
      for (int k = 0; k < 40; k++) {
        picked.add(random.nextInt(150));
      }
      for (int d : picked) {
        LocalDate day = start.plusDays(d);
        data.login(account, day, 9, 0, "198.51.100." + (1 + random.nextInt(5)), "dev-" + a);
        days.computeIfAbsent(account, x -> new java.util.TreeSet<>()).add(day);
        logins.merge(account, 1L, Long::sum);
      }
      data.login(account, start.minusDays(1), 9, 0, "198.51.100.1", "dev-" + a);
    }
    FeatureInputs in = FeatureInputs.of(data);
    Dataset<Row> noHandovers =
        spark()
            .createDataFrame(
                List.of(),
                new StructType()
                    .add(Cols.ACCOUNT_ID, "string")
                    .add(Features.HANDOVER_DATE, "date"));
    Map<String, Row> f = new java.util.HashMap<>();
    accountFeatures(data, in, noHandovers, start)
        .collectAsList()
        .forEach(r -> f.put(r.getAs(Cols.ACCOUNT_ID), r));
    assertThat(f).hasSize(4);
    for (String account : days.keySet()) {
      assertThat(f.get(account).<Long>getAs(Cols.ACTIVE_DAYS))
          .as(account)
          .isEqualTo(days.get(account).size());
      assertThat(f.get(account).<Long>getAs(Cols.LOGINS))
          .as(account)
          .isEqualTo(logins.get(account));
    }
  }

  @Test
  void anAccountThatChangedHandsIsDescribedByItsNewHolder() {
    LocalDate start = DAY.minusDays(12);
    TestData data =
        new TestData()
            .intel("198.51.100.0/24", "c6336400", "c63364ff", 24, "NL", "vpn")
            .intel("203.0.113.0/24", "cb007100", "cb0071ff", 24, "US", "residential");
    for (String a : List.of("sold", "new-phone", "traveller", "brief-owner")) {
      data.account(a, "US", "America/New_York", start.minusDays(900), "individual");
    }
    for (int d = 0; d < 12; d++) {
      LocalDate day = start.plusDays(d);
      boolean late = d >= 5;
      // sold: the owner's laptop at home, then the buyer's device behind a VPN, at night
      data.login(
          "sold", day, late ? 3 : 15, 0, late ? "198.51.100.9" : "203.0.113.9", late ? "x" : "o");
      // a new phone at the same home address
      data.login("new-phone", day, 15, 0, "203.0.113.20", late ? "p2" : "p1");
      // the same laptop on new networks
      data.login("traveller", day, 15, 0, late ? "198.51.100.30" : "203.0.113.30", "t");
      // a cut after a single day of the old device is too little to call
      data.login(
          "brief-owner", day, 15, 0, d >= 1 ? "198.51.100.40" : "203.0.113.40", d >= 1 ? "y" : "z");
    }
    FeatureInputs in = FeatureInputs.of(data);
    Dataset<Row> handovers = Features.handovers(in.memberships());
    assertThat(handovers.collectAsList())
        .extracting(r -> r.getString(0) + "@" + r.getDate(1))
        .containsExactly("sold@" + java.sql.Date.valueOf(start.plusDays(5)));

    Map<String, Row> f = new java.util.HashMap<>();
    accountFeatures(data, in, handovers, DAY.minusDays(29))
        .collectAsList()
        .forEach(r -> f.put(r.getAs(Cols.ACCOUNT_ID), r));
    // only the buyer's seven days count: every login through the VPN, none at home
    assertThat(f.get("sold").<Long>getAs(Cols.LOGINS)).isEqualTo(7L);
    assertThat(f.get("sold").<Long>getAs(Features.ANON_LOGINS)).isEqualTo(7L);
    assertThat(f.get("sold").<Long>getAs(Features.HOME_LOGINS)).isZero();
    assertThat(f.get("traveller").<Long>getAs(Cols.LOGINS)).isEqualTo(12L);
    assertThat(f.get("traveller").<Long>getAs(Features.HOME_LOGINS)).isEqualTo(5L);
    assertThat(f.get("new-phone").<Object>getAs(Features.HANDOVER_DATE)).isNull();
  }

  @Test
  void accountsThatChangedHandsTogetherAndThenMeetOnOneAddressAreABatch() {
    LocalDate start = DAY.minusDays(25);
    TestData data =
        new TestData()
            .intel("198.51.100.0/24", "c6336400", "c63364ff", 24, "NL", "vpn")
            .intel("203.0.113.0/24", "cb007100", "cb0071ff", 24, "US", "residential")
            .intel("192.0.2.0/24", "c0000200", "c00002ff", 24, "US", "mobile");
    for (String a : List.of("r1", "r2", "r3", "r4", "old")) {
      data.account(a, "US", "America/New_York", start.minusDays(900), "individual");
    }
    for (int d = 0; d < 25; d++) {
      LocalDate day = start.plusDays(d);
      // r1 and r2 change hands on days 20 and 22, then both use one exit (once each suffices)
      data.login("r1", day, 15, 0, d >= 20 ? "198.51.100.9" : "203.0.113.1", d >= 20 ? "n1" : "o1");
      data.login("r2", day, 15, 5, d >= 22 ? "198.51.100.9" : "203.0.113.2", d >= 22 ? "n2" : "o2");
      // r3 changes hands on day 21 too, but meets r1 only on a carrier's mobile address
      data.login("r3", day, 16, 0, d >= 21 ? "192.0.2.7" : "203.0.113.3", d >= 21 ? "n3" : "o3");
      if (d == 23) {
        data.login("r1", day, 16, 5, "192.0.2.7", "n1");
      }
      // r4 changed hands on day 2, eighteen days before r1: no batch
      data.login("r4", day, 17, 0, d >= 2 ? "198.51.100.9" : "203.0.113.4", d >= 2 ? "n4" : "o4");
      // an honest user of the exit who never changed hands
      data.login("old", day, 18, 0, "198.51.100.9", "v");
    }
    FeatureInputs in = FeatureInputs.of(data);
    Dataset<Row> handovers = Features.handovers(in.memberships());
    assertThat(handovers.collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactlyInAnyOrder("r1", "r2", "r3", "r4");
    Links.Params params = new Links.Params(10, 20, 2, 0.6, 0.65, 14, 2, 2);
    Dataset<Row> shared =
        Links.attributePairs(in.memberships(), Detection.activeDays(in.ipDaily()), params);
    List<Row> batch = Links.handoverPairs(shared, handovers, in.ipInfo(), params).collectAsList();
    assertThat(batch)
        .extracting(r -> r.getAs(Cols.ACCOUNT_A) + "-" + r.getAs(Cols.ACCOUNT_B))
        .containsExactly("r1-r2");
    Row link = batch.get(0);
    assertThat(link.<String>getAs(Cols.LINK_TYPE)).isEqualTo(AttributeKind.COHORT.value());
    assertThat(link.<String>getAs(Cols.ATTRIBUTE)).isEqualTo("198.51.100.9");
    // alone the busy exit weighs little; the batch joins a cluster
    assertThat(link.<Double>getAs(Cols.WEIGHT)).isGreaterThanOrEqualTo(params.minLinkWeight());
  }

  @Test
  void aZoneOnlyOneMemberClaimsIsSetAsideInTheIdentitySpread() {
    StructType schema =
        new StructType()
            .add(Cols.ACCOUNT_ID, "string")
            .add(Clustering.COMPONENT, "string")
            .add(Cols.CLAIMED_COUNTRY, "string")
            .add(Cols.CLAIMED_TIMEZONE, "string");
    String ny = "America/New_York";
    String chi = "America/Chicago";
    String la = "America/Los_Angeles";
    List<Row> rows =
        List.of(
            // two strangers on one gateway, claiming where each lives
            RowFactory.create("p1", "pair", "US", ny),
            RowFactory.create("p2", "pair", "US", chi),
            // three members, three zones: one set aside, two remain
            RowFactory.create("t1", "trio", "US", ny),
            RowFactory.create("t2", "trio", "US", chi),
            RowFactory.create("t3", "trio", "US", la),
            // two zones held by two members each: nothing set aside
            RowFactory.create("q1", "quad", "US", ny),
            RowFactory.create("q2", "quad", "US", ny),
            RowFactory.create("q3", "quad", "US", la),
            RowFactory.create("q4", "quad", "US", la),
            // countries are not set aside
            RowFactory.create("c1", "border", "US", ny),
            RowFactory.create("c2", "border", "CA", "America/Toronto"));
    Map<String, Double> spread = new java.util.HashMap<>();
    for (Row r :
        spark()
            .createDataFrame(rows, schema)
            .groupBy(Clustering.COMPONENT)
            .agg(
                org.apache
                    .spark
                    .sql
                    .functions
                    .countDistinct(Cols.CLAIMED_COUNTRY)
                    .as(Cols.CLAIMED_COUNTRIES_COUNT),
                org.apache
                    .spark
                    .sql
                    .functions
                    .countDistinct(Cols.CLAIMED_TIMEZONE)
                    .as(Cols.CLAIMED_TIMEZONES_COUNT),
                org.apache.spark.sql.functions.collect_list(Cols.CLAIMED_TIMEZONE).as("zones"))
            .withColumn(Scoring.LONE_TIMEZONES, Scoring.loneTimezones(col("zones")))
            .select(col(Clustering.COMPONENT), Scoring.identitySpread())
            .collectAsList()) {
      spread.put(r.getString(0), r.getDouble(1));
    }
    assertThat(spread.get("pair")).isZero();
    assertThat(spread.get("trio")).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(spread.get("quad")).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(spread.get("border")).isCloseTo(0.5, within(1e-9));
  }

  /** What the account features read, built from a few hand-made logins and intel ranges. */
  /** The account features on {@link #DAY}: both steps, without materialising between them. */
  private static Dataset<Row> accountFeatures(
      TestData data, FeatureInputs in, Dataset<Row> handovers, LocalDate windowStart) {
    return Features.accountFeatures(
        Features.perAddress(in.ipDaily(), handovers, windowStart, DAY),
        in.ipInfo(),
        data.accounts(spark()),
        in.memberships(),
        DAY);
  }

  private record FeatureInputs(
      Dataset<Row> ipDaily, Dataset<Row> ipInfo, Dataset<Row> memberships) {
    static FeatureInputs of(TestData data) {
      Dataset<Row> daily = Rollups.attributeDaily(data.logins(spark()), 24, 48);
      Dataset<Row> ipDaily = daily.filter(col(Cols.ATTR_TYPE).equalTo("ip"));
      Dataset<Row> ipInfo =
          Enrichment.ipInfo(
              ipDaily.select(col(Cols.ATTR_VALUE).as(Cols.IP)).distinct(), data.intel(spark()));
      Dataset<Row> memberships =
          Links.memberships(
              daily,
              spark()
                  .createDataFrame(List.of(), Schemas.BRONZE_PAYOUT_METHODS)
                  .select(Cols.ACCOUNT_ID, Cols.PAYOUT_METHOD_ID, Cols.ADDED_AT),
              ipInfo);
      return new FeatureInputs(ipDaily, ipInfo, memberships);
    }
  }
}
