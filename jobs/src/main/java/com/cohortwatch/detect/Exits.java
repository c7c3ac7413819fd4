package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.UsageType;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Commercial exits that IP intelligence does not know. Intelligence misses whole VPN providers, or
 * sells their ranges as residential; their users then look like people sharing a home line from
 * many countries, which is what an operation looks like, and small providers (where every user
 * shares every exit) glued honest VPN users into clusters that scored high (training worlds: 14 of
 * the 38 benign accounts flagged). An exit's users claim many countries other than the address's,
 * and most of them also log in from an ordinary address in the country they claim; a call centre's
 * operators log in from nowhere else, and the people behind a campus, an office or a carrier's NAT
 * claim the address's own country.
 *
 * <p>Judged per address block ({@code link.ipv4-prefix}, a provider's unit of sale) rather than per
 * address, and only where several addresses of the block each serve several accounts: one address
 * with the same signature is as likely a proxy ring's leak (its operators' own line, their
 * residential proxies in the claimed countries counting as "at home"). A block that fails as a
 * whole is judged address by address when rings crowd some of its exits ({@link
 * #crowdedBlockExits}). The star hubs apply the same signature to single star-sized addresses
 * ({@link Links#starHubs}).
 */
public final class Exits {
  private Exits() {}

  /** The usage an inferred exit takes: it is then treated exactly as a labelled VPN exit. */
  public static final String INFERRED_USAGE = UsageType.VPN.value();

  /** The AS an inferred exit without one takes, so that exit twins have a provider to judge by. */
  static final String BLOCK_AS_PREFIX = "exits:";

  /** An exit's users claim at least this many countries ... */
  static final long MIN_COUNTRIES = 3;

  /** ... nearly all ({@code >=} this share) other than the address's, or it has none ... */
  static final double MIN_FOREIGN_SHARE = 0.8;

  /** ... and most ({@code >=} this share) log in at other times from home where they claim. */
  static final double MIN_AT_HOME_SHARE = 0.5;

  /** A block is judged when at least this many of its addresses serve two accounts or more. */
  static final long MIN_BUSY_ADDRESSES = 2;

  /** The key column of {@link #signature}'s and {@link #relayAddresses}'s results. */
  static final String EXIT_KEY = "_exit_key";

  private static final String HOME_KEY = "_home_key";

  private static final String BLOCK_KEY = "_block_key";

  private static final String EXITS_IN_BLOCK = "_exits_in_block";

  /**
   * The keys (an address, or a block of addresses) whose users have an exit's signature.
   *
   * @param uses one row per (key, address, account): {@code _exit_key}, account_id, ip_country (of
   *     the address), claimed_country
   * @param homes one row per (account, key of an ordinary address in its claimed country):
   *     account_id, {@code _home_key}
   * @return one column {@code _exit_key}
   */
  static Dataset<Row> signature(Dataset<Row> uses, Dataset<Row> homes) {
    Dataset<Row> atHomeElsewhere =
        uses.select(col(EXIT_KEY).as("_ek"), col(Cols.ACCOUNT_ID).as("_ea"))
            .distinct()
            .join(
                homes,
                col("_ea")
                    .equalTo(homes.col(Cols.ACCOUNT_ID))
                    .and(col(HOME_KEY).notEqual(col("_ek"))),
                "left_semi");
    return uses.join(
            atHomeElsewhere,
            col(EXIT_KEY).equalTo(col("_ek")).and(col(Cols.ACCOUNT_ID).equalTo(col("_ea"))),
            "left")
        .groupBy(col(EXIT_KEY))
        .agg(
            countDistinct(col(Cols.CLAIMED_COUNTRY)).as("_countries"),
            // 0/1 values: a plain avg is exact in any order
            avg(claimsAnotherCountry()).as("_foreign"),
            avg(when(col("_ea").isNotNull(), 1.0).otherwise(0.0)).as("_at_home"))
        .filter(
            col("_countries")
                .geq(MIN_COUNTRIES)
                .and(col("_foreign").geq(MIN_FOREIGN_SHARE))
                .and(col("_at_home").geq(MIN_AT_HOME_SHARE)))
        .select(col(EXIT_KEY));
  }

  /**
   * Homes of the given accounts: their ordinary addresses in the country they claim, keyed.
   *
   * @param users one column account_id (distinct)
   * @param keyOf the key of an address column
   */
  static Dataset<Row> homes(
      Dataset<Row> users,
      Dataset<Row> memberships,
      Dataset<Row> ipInfo,
      Dataset<Row> accounts,
      Function<Column, Column> keyOf) {
    Dataset<Row> countries =
        ipInfo.select(col(Cols.IP).as("_hip"), col(Cols.IP_COUNTRY), col(Cols.USAGE_TYPE));
    return memberships
        .filter(col(Cols.ATTR_TYPE).equalTo(AttributeKind.IP.value()))
        .select(col(Cols.ACCOUNT_ID), col(Cols.ATTR_VALUE))
        .join(users, Cols.ACCOUNT_ID)
        .join(countries, col(Cols.ATTR_VALUE).equalTo(col("_hip")))
        .join(claims(accounts), Cols.ACCOUNT_ID)
        .filter(
            Enrichment.atHome(
                col(Cols.USAGE_TYPE), col(Cols.IP_COUNTRY), col(Cols.CLAIMED_COUNTRY)))
        .select(col(Cols.ACCOUNT_ID), keyOf.apply(col(Cols.ATTR_VALUE)).as(HOME_KEY))
        .distinct();
  }

  /**
   * Addresses that intelligence does not call anonymising but that belong to a block with an exit's
   * signature (see the class comment).
   *
   * @param memberships {@link Links#memberships}
   * @param ipInfo ip, usage_type, ip_country of the window's addresses
   * @param accounts account_id, claimed_country
   * @param materialise cuts the lineage of the three results the later joins read over and over
   *     (the candidate blocks' uses, their users' homes, the blocks with an exit's signature).
   *     Uncut, the plan held some thirty copies of the memberships join, and its analysis took
   *     longer than its execution (samples: 9 of the run's 100 s in this step).
   * @return ip, {@code _exit_key} (the address's block)
   */
  public static Dataset<Row> inferred(
      Dataset<Row> memberships,
      Dataset<Row> ipInfo,
      Dataset<Row> accounts,
      int ipv4Prefix,
      int ipv6Prefix,
      UnaryOperator<Dataset<Row>> materialise) {
    Function<Column, Column> block = ip -> Rollups.subnet(ip, ipv4Prefix, ipv6Prefix);
    Dataset<Row> info =
        ipInfo
            .filter(Enrichment.anonymising(col(Cols.USAGE_TYPE)).unary_$bang())
            .select(col(Cols.IP).as("_iip"), col(Cols.IP_COUNTRY));
    Dataset<Row> uses =
        memberships
            .filter(col(Cols.ATTR_TYPE).equalTo(AttributeKind.IP.value()))
            .select(col(Cols.ATTR_VALUE), col(Cols.ACCOUNT_ID), col(Cols.N_ACCOUNTS))
            .join(info, col(Cols.ATTR_VALUE).equalTo(col("_iip")))
            .join(claims(accounts), Cols.ACCOUNT_ID)
            .withColumn(EXIT_KEY, block.apply(col(Cols.ATTR_VALUE)));
    // The cheap conditions first, so that homes are looked up only for the candidates' users.
    Dataset<Row> candidates =
        uses.groupBy(col(EXIT_KEY).as("_ck"))
            .agg(
                countDistinct(col(Cols.CLAIMED_COUNTRY)).as("_countries"),
                countDistinct(when(col(Cols.N_ACCOUNTS).geq(2), col(Cols.ATTR_VALUE))).as("_busy"))
            .filter(col("_countries").geq(MIN_COUNTRIES).and(col("_busy").geq(MIN_BUSY_ADDRESSES)))
            .select(col("_ck"));
    Dataset<Row> candidateUses =
        materialise.apply(uses.join(candidates, col(EXIT_KEY).equalTo(col("_ck")), "left_semi"));
    Dataset<Row> users = candidateUses.select(col(Cols.ACCOUNT_ID)).distinct();
    // Each user's home addresses, looked up once; a block's signature reads their blocks.
    Dataset<Row> addressHomes =
        materialise.apply(homes(users, memberships, ipInfo, accounts, ip -> ip));
    Dataset<Row> blockHomes =
        addressHomes
            .select(col(Cols.ACCOUNT_ID), block.apply(col(HOME_KEY)).as(HOME_KEY))
            .distinct();
    Dataset<Row> exitBlocks = materialise.apply(signature(candidateUses, blockHomes));
    Dataset<Row> wholeBlocks =
        candidateUses
            .join(exitBlocks, EXIT_KEY)
            .select(col(Cols.ATTR_VALUE).as(Cols.IP), col(EXIT_KEY))
            .distinct();
    return wholeBlocks.unionByName(
        crowdedBlockExits(candidateUses.join(exitBlocks, EXIT_KEY, "left_anti"), addressHomes));
  }

  /**
   * The exits of a block that fails as a whole because rings crowd some of its addresses: their
   * operators log in from no home, and when they are most of the block's users the block's at-home
   * share falls below {@link #MIN_AT_HOME_SHARE} and its honest users stay glued together on exits
   * nobody labelled (test set G: one world's 27 VPN users in one cluster, on five addresses of a
   * /24 whose other addresses four rings used). Each busy address of such a block is then judged
   * alone, and those with an exit's signature are exits when at least {@link #MIN_BUSY_ADDRESSES}
   * of the block have it: one address alone is still as likely a proxy ring's leak.
   *
   * @param uses the failed blocks' uses: {@code _exit_key} (the block), address, account_id,
   *     n_accounts, ip_country, claimed_country
   * @param homes account_id, {@code _home_key}: each account's home addresses
   * @return ip, {@code _exit_key} (the address's block)
   */
  static Dataset<Row> crowdedBlockExits(Dataset<Row> uses, Dataset<Row> homes) {
    Dataset<Row> perAddress =
        uses.filter(col(Cols.N_ACCOUNTS).geq(2))
            .withColumn(BLOCK_KEY, col(EXIT_KEY))
            .withColumn(EXIT_KEY, col(Cols.ATTR_VALUE));
    Dataset<Row> exitAddresses = signature(perAddress, homes);
    return perAddress
        .join(exitAddresses, EXIT_KEY)
        .select(col(Cols.ATTR_VALUE).as(Cols.IP), col(BLOCK_KEY).as(EXIT_KEY))
        .distinct()
        .withColumn(EXITS_IN_BLOCK, count(lit(1)).over(Window.partitionBy(col(EXIT_KEY))))
        .filter(col(EXITS_IN_BLOCK).geq(MIN_BUSY_ADDRESSES))
        .drop(EXITS_IN_BLOCK);
  }

  /**
   * The window's addresses with the inferred exits labelled {@link #INFERRED_USAGE}; an exit
   * without an AS takes its block as one, so that exit twins judge overlap against its size.
   *
   * @param exits {@link #inferred}
   */
  public static Dataset<Row> relabel(Dataset<Row> ipInfo, Dataset<Row> exits) {
    Dataset<Row> x = broadcast(exits.select(col(Cols.IP).as("_xip"), col(EXIT_KEY)));
    Column inferred = col("_xip").isNotNull();
    return ipInfo
        .join(x, col(Cols.IP).equalTo(col("_xip")), "left")
        .select(
            col(Cols.IP),
            when(inferred, lit(INFERRED_USAGE)).otherwise(col(Cols.USAGE_TYPE)).as(Cols.USAGE_TYPE),
            col(Cols.IP_COUNTRY),
            when(inferred, coalesce(col(Cols.ASN), concat(lit(BLOCK_AS_PREFIX), col(EXIT_KEY))))
                .otherwise(col(Cols.ASN))
                .as(Cols.ASN));
  }

  /**
   * Memberships with the inferred exits' usage, kind weight and weight, as if intelligence had
   * labelled them: a narrow join against the (small) exits, so the memberships are not recomputed.
   */
  public static Dataset<Row> relabelMemberships(Dataset<Row> memberships, Dataset<Row> exits) {
    Dataset<Row> x = broadcast(exits.select(col(Cols.IP).as("_xip")).distinct());
    Column inferred = col("_xip").isNotNull();
    return memberships
        .join(
            x,
            col(Cols.ATTR_TYPE)
                .equalTo(lit(AttributeKind.IP.value()))
                .and(col(Cols.ATTR_VALUE).equalTo(col("_xip"))),
            "left")
        .withColumn(
            Cols.USAGE_TYPE, when(inferred, lit(INFERRED_USAGE)).otherwise(col(Cols.USAGE_TYPE)))
        .drop("_xip")
        .transform(Links::weighed);
  }

  /**
   * 1 when the account claims another country than the address's, or the address has none; 0 when
   * they match or the account claims none (columns claimed_country, ip_country).
   */
  static Column claimsAnotherCountry() {
    return when(
            col(Cols.CLAIMED_COUNTRY)
                .isNotNull()
                .and(
                    col(Cols.IP_COUNTRY)
                        .isNull()
                        .or(col(Cols.IP_COUNTRY).notEqual(col(Cols.CLAIMED_COUNTRY)))),
            1.0)
        .otherwise(0.0);
  }

  /** account_id, claimed_country. */
  private static Dataset<Row> claims(Dataset<Row> accounts) {
    return accounts.select(col(Cols.ACCOUNT_ID), col(Cols.CLAIMED_COUNTRY));
  }

  /** Rows for {@link #signature} keyed by the address itself: one per (address, account). */
  static Dataset<Row> usesByAddress(
      Dataset<Row> addressAccounts, Dataset<Row> ipInfo, Dataset<Row> accounts) {
    Dataset<Row> countries = ipInfo.select(col(Cols.IP).as("_cip"), col(Cols.IP_COUNTRY));
    return addressAccounts
        .select(col(Cols.ATTR_VALUE).as(EXIT_KEY), col(Cols.ACCOUNT_ID))
        .join(countries, col(EXIT_KEY).equalTo(col("_cip")), "left")
        .join(claims(accounts), Cols.ACCOUNT_ID, "left")
        .select(
            col(EXIT_KEY), col(Cols.ACCOUNT_ID), col(Cols.IP_COUNTRY), col(Cols.CLAIMED_COUNTRY));
  }

  /**
   * Single addresses with an exit's signature, among star candidates (see {@link Links#starHubs}).
   *
   * @param addressAccounts attr_value (an IP), account_id
   * @return one column {@code _exit_key}: the addresses
   */
  static Dataset<Row> relayAddresses(
      Dataset<Row> addressAccounts,
      Dataset<Row> memberships,
      Dataset<Row> ipInfo,
      Dataset<Row> accounts) {
    Dataset<Row> uses = usesByAddress(addressAccounts, ipInfo, accounts);
    Dataset<Row> users = uses.select(col(Cols.ACCOUNT_ID)).distinct();
    return signature(uses, homes(users, memberships, ipInfo, accounts, ip -> ip));
  }
}
