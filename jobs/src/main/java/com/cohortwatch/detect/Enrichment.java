package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.conv;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.UsageType;
import com.cohortwatch.values.IpNormalizer;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * IP intelligence for the addresses seen in the window: longest-prefix match of each IP against the
 * ip_intel networks. A range join would compare every IP with every network; instead both sides are
 * keyed by a coarse bucket (IPv4 /16, IPv6 /32) and only same-bucket pairs are compared. A network
 * wider than its bucket is listed once per bucket it spans (at most 65,536, /0 networks are
 * ignored), so the join stays proportional to the data.
 */
public final class Enrichment {
  private Enrichment() {}

  static final UserDefinedFunction IP_HEX =
      udf((UDF1<String, String>) IpNormalizer::toHex, DataTypes.StringType);

  private static final String HEX = "_hex";
  private static final String BUCKET = "_bucket";
  private static final String VERSION = "_v";
  private static final long MAX_BUCKETS_PER_NETWORK = 65_536;

  /**
   * @param ips one column {@code ip} of canonical addresses (distinct)
   * @param intel bronze ip_intel, or null when it was not provided
   * @return ip, usage_type, ip_country, asn (nulls when no network covers the address)
   */
  public static Dataset<Row> ipInfo(Dataset<Row> ips, Dataset<Row> rawIntel) {
    if (rawIntel == null) {
      return ips.select(
          col(Cols.IP),
          lit(null).cast("string").as(Cols.USAGE_TYPE),
          lit(null).cast("string").as(Cols.IP_COUNTRY),
          lit(null).cast("string").as(Cols.ASN));
    }
    Dataset<Row> keyed =
        ips.select(col(Cols.IP))
            .withColumn(HEX, IP_HEX.apply(col(Cols.IP)))
            .withColumn(VERSION, when(length(col(HEX)).equalTo(8), lit(4)).otherwise(lit(6)))
            .withColumn(BUCKET, ipBucket(col(HEX)));
    Dataset<Row> intel = reconcileByAsn(rawIntel);
    Dataset<Row> networks =
        intel
            .withColumn(VERSION, col(Schemas.IP_VERSION))
            .withColumn("_b_lo", ipBucket(col(Schemas.RANGE_LO)))
            .withColumn("_b_hi", ipBucket(col(Schemas.RANGE_HI)))
            .filter(col("_b_hi").minus(col("_b_lo")).lt(MAX_BUCKETS_PER_NETWORK))
            .withColumn(BUCKET, explode(sequence(col("_b_lo"), col("_b_hi"))))
            .select(
                col(VERSION).as("_nv"),
                col(BUCKET).as("_nb"),
                col(Schemas.RANGE_LO),
                col(Schemas.RANGE_HI),
                col(Schemas.PREFIX_LENGTH),
                col(Cols.USAGE_TYPE),
                col(Cols.COUNTRY).as(Cols.IP_COUNTRY),
                col(Cols.ASN));
    Dataset<Row> matched =
        keyed
            .join(
                networks,
                keyed
                    .col(VERSION)
                    .equalTo(networks.col("_nv"))
                    .and(keyed.col(BUCKET).equalTo(networks.col("_nb")))
                    .and(keyed.col(HEX).geq(networks.col(Schemas.RANGE_LO)))
                    .and(keyed.col(HEX).leq(networks.col(Schemas.RANGE_HI))))
            .withColumn(
                "_rank",
                row_number()
                    .over(
                        Window.partitionBy(col(Cols.IP))
                            .orderBy(col(Schemas.PREFIX_LENGTH).desc())))
            .filter(col("_rank").equalTo(1))
            .select(
                col(Cols.IP).as("_mip"), col(Cols.USAGE_TYPE), col(Cols.IP_COUNTRY), col(Cols.ASN));
    Dataset<Row> all = ips.select(col(Cols.IP));
    return all.join(matched, all.col(Cols.IP).equalTo(matched.col("_mip")), "left")
        .select(
            all.col(Cols.IP),
            matched.col(Cols.USAGE_TYPE),
            matched.col(Cols.IP_COUNTRY),
            matched.col(Cols.ASN));
  }

  /** Usage types that hide where the user is: their logins count as anonymised. */
  public static final List<String> ANONYMISING =
      List.of(UsageType.HOSTING.value(), UsageType.VPN.value(), UsageType.TOR.value());

  /** An address labelled hosting, VPN or Tor; false for an unlabelled one. */
  public static Column anonymising(Column usageType) {
    return coalesce(usageType.isin(ANONYMISING.toArray()), lit(false));
  }

  /** An address labelled residential, or not labelled at all; never null. */
  static Column residentialOrUnlabelled(Column usageType) {
    return usageType.isNull().or(usageType.equalTo(UsageType.RESIDENTIAL.value()));
  }

  /**
   * A login from home: an ordinary (not anonymising) address in the country the account claims.
   * Null, which filters and sums treat as false, when either country is unknown.
   */
  public static Column atHome(Column usageType, Column ipCountry, Column claimedCountry) {
    return anonymising(usageType).unary_$bang().and(ipCountry.equalTo(claimedCountry));
  }

  /**
   * A login from abroad: an ordinary address in another country than the one the account claims.
   * Null, as for {@link #atHome}, when either country is unknown.
   */
  public static Column abroad(Column usageType, Column ipCountry, Column claimedCountry) {
    return anonymising(usageType).unary_$bang().and(ipCountry.notEqual(claimedCountry));
  }

  /** An AS needs this many anonymising ranges before its other ranges are doubted. */
  static final long MIN_ANONYMISING_RANGES = 3;

  /**
   * IP intelligence labels ranges one by one and mislabels some: a VPN provider's exit range sold
   * as "residential", or a range with no usage at all. Such a range still carries the provider's AS
   * number. When at least half of an AS's ranges (and at least {@link #MIN_ANONYMISING_RANGES}) are
   * hosting, VPN or Tor, its residential or unlabelled ranges take the AS's most common anonymising
   * usage: a home line is not sold by a VPN company. Otherwise the exit looks like one home address
   * shared by users claiming many countries, which is what a call centre looks like.
   */
  static Dataset<Row> reconcileByAsn(Dataset<Row> intel) {
    Dataset<Row> perUsage =
        intel
            .filter(col(Cols.ASN).isNotNull().and(anonymising(col(Cols.USAGE_TYPE))))
            .groupBy(col(Cols.ASN), col(Cols.USAGE_TYPE))
            .agg(count(lit(1)).as("_n"))
            .groupBy(col(Cols.ASN).as("_aasn"))
            .agg(
                sum(col("_n")).as("_anon"),
                // the most common anonymising usage; on a tie the greatest name, never row order
                max(struct(col("_n"), col(Cols.USAGE_TYPE))).getField(Cols.USAGE_TYPE).as("_ause"));
    Dataset<Row> perAsn =
        intel
            .filter(col(Cols.ASN).isNotNull())
            .groupBy(col(Cols.ASN).as("_tasn"))
            .agg(count(lit(1)).as("_ranges"))
            .join(perUsage, col("_tasn").equalTo(col("_aasn")))
            .filter(
                col("_anon")
                    .geq(MIN_ANONYMISING_RANGES)
                    .and(col("_anon").multiply(2).geq(col("_ranges"))))
            .select(col("_tasn"), col("_ause"));
    Column doubtful = col("_ause").isNotNull().and(residentialOrUnlabelled(col(Cols.USAGE_TYPE)));
    return intel
        .join(perAsn, intel.col(Cols.ASN).equalTo(perAsn.col("_tasn")), "left")
        .withColumn(Cols.USAGE_TYPE, when(doubtful, col("_ause")).otherwise(col(Cols.USAGE_TYPE)))
        .drop("_tasn", "_ause");
  }

  /** IPv4: first 16 bits; IPv6: first 32 bits, as a number. */
  static Column ipBucket(Column hex) {
    return when(length(hex).equalTo(8), conv(substring(hex, 1, 4), 16, 10).cast("long"))
        .otherwise(conv(substring(hex, 1, 8), 16, 10).cast("long"));
  }
}
