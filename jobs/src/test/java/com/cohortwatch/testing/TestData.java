package com.cohortwatch.testing;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/** Small hand-made bronze rows for detection tests. */
public final class TestData {
  private final List<Row> logins = new ArrayList<>();
  private final List<Row> accounts = new ArrayList<>();
  private final List<Row> payouts = new ArrayList<>();
  private final List<Row> intel = new ArrayList<>();
  private int next;

  public TestData login(
      String account, LocalDate day, int utcHour, int minute, String ip, String device) {
    Instant t = day.atTime(utcHour, minute).toInstant(ZoneOffset.UTC);
    logins.add(
        RowFactory.create(
            "id:" + (next++),
            null,
            account,
            Timestamp.from(t),
            ip,
            device,
            null,
            true,
            Date.valueOf(day),
            Date.valueOf(day),
            Timestamp.from(t)));
    return this;
  }

  public TestData account(
      String id, String country, String zone, LocalDate created, String profile) {
    accounts.add(
        RowFactory.create(
            id,
            Timestamp.from(created.atStartOfDay().toInstant(ZoneOffset.UTC)),
            country,
            zone,
            "example.com",
            profile,
            Timestamp.from(Instant.EPOCH)));
    return this;
  }

  public TestData payout(String account, String id) {
    payouts.add(RowFactory.create(account, id, "bank", null, Timestamp.from(Instant.EPOCH)));
    return this;
  }

  public TestData intel(
      String network, String lo, String hi, int prefix, String country, String usage) {
    return intel(network, lo, hi, prefix, country, usage, "64500");
  }

  public TestData intel(
      String network, String lo, String hi, int prefix, String country, String usage, String asn) {
    intel.add(
        RowFactory.create(
            network,
            asn,
            "Test AS",
            country,
            usage,
            4,
            prefix,
            lo,
            hi,
            Timestamp.from(Instant.EPOCH)));
    return this;
  }

  public Dataset<Row> logins(SparkSession spark) {
    return frame(spark, logins, Schemas.BRONZE_LOGINS);
  }

  public Dataset<Row> accounts(SparkSession spark) {
    return frame(spark, accounts, Schemas.BRONZE_ACCOUNTS);
  }

  public Dataset<Row> payouts(SparkSession spark) {
    return frame(spark, payouts, Schemas.BRONZE_PAYOUT_METHODS)
        .select(Cols.ACCOUNT_ID, Cols.PAYOUT_METHOD_ID, Cols.ADDED_AT);
  }

  public Dataset<Row> intel(SparkSession spark) {
    return intel.isEmpty() ? null : frame(spark, intel, Schemas.BRONZE_IP_INTEL);
  }

  public int loginCount() {
    return logins.size();
  }

  private static Dataset<Row> frame(SparkSession spark, List<Row> rows, StructType schema) {
    return spark.createDataFrame(rows, schema);
  }
}
