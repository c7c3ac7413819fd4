package com.cohortwatch.schema;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;
import static org.apache.spark.sql.types.DataTypes.createStructField;

import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Explicit schemas of every table we write: Delta tables are created from these, never inferred.
 */
public final class Schemas {
  private Schemas() {}

  static StructField field(String name, DataType type) {
    return createStructField(name, type, true);
  }

  static StructField required(String name, DataType type) {
    return createStructField(name, type, false);
  }

  static StructType struct(StructField... fields) {
    return new StructType(fields);
  }

  /** Input read schema: every contract column as text, so that validation sees what was sent. */
  public static StructType inputAsText(InputTable table) {
    List<String> columns = table.allColumns();
    StructField[] fields = new StructField[columns.size()];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = field(columns.get(i), StringType);
    }
    return new StructType(fields);
  }

  public static final StructType BRONZE_LOGINS =
      struct(
          required(Cols.EVENT_KEY, StringType),
          field(Cols.EVENT_ID, StringType),
          required(Cols.ACCOUNT_ID, StringType),
          required(Cols.EVENT_TIME, TimestampType),
          required(Cols.IP, StringType),
          field(Cols.DEVICE_ID, StringType),
          field(Cols.USER_AGENT, StringType),
          required(Cols.SUCCESS, BooleanType),
          required(Cols.EVENT_DATE, DateType),
          required(Cols.LANDED_DATE, DateType),
          required(Cols.INGESTED_AT, TimestampType));

  public static final StructType BRONZE_ACCOUNTS =
      struct(
          required(Cols.ACCOUNT_ID, StringType),
          field(Cols.CREATED_AT, TimestampType),
          field(Cols.CLAIMED_COUNTRY, StringType),
          field(Cols.CLAIMED_TIMEZONE, StringType),
          field(Cols.EMAIL_DOMAIN, StringType),
          field(Cols.PROFILE_TYPE, StringType),
          required(Cols.INGESTED_AT, TimestampType));

  public static final StructType BRONZE_PAYOUT_METHODS =
      struct(
          required(Cols.ACCOUNT_ID, StringType),
          required(Cols.PAYOUT_METHOD_ID, StringType),
          field(Cols.METHOD_TYPE, StringType),
          field(Cols.ADDED_AT, TimestampType),
          required(Cols.INGESTED_AT, TimestampType));

  /** ip_intel plus the network's range as fixed-width hex, for range joins. */
  public static final String IP_VERSION = "ip_version";

  public static final String PREFIX_LENGTH = "prefix_length";
  public static final String RANGE_LO = "range_lo";
  public static final String RANGE_HI = "range_hi";

  public static final StructType BRONZE_IP_INTEL =
      struct(
          required(Cols.NETWORK, StringType),
          field(Cols.ASN, StringType),
          field(Cols.AS_ORG, StringType),
          field(Cols.COUNTRY, StringType),
          field(Cols.USAGE_TYPE, StringType),
          required(IP_VERSION, IntegerType),
          required(PREFIX_LENGTH, IntegerType),
          required(RANGE_LO, StringType),
          required(RANGE_HI, StringType),
          required(Cols.INGESTED_AT, TimestampType));

  public static final StructType BRONZE_DECISIONS =
      struct(
          required(Cols.ACCOUNT_ID, StringType),
          required(Cols.DECISION, StringType),
          required(Cols.DECIDED_AT, TimestampType),
          field(Cols.REVIEWER, StringType),
          field(Cols.NOTE, StringType),
          required(Cols.INGESTED_AT, TimestampType));

  public static final StructType QUARANTINE =
      struct(
          required(Cols.RUN_DATE, DateType),
          required(Cols.SOURCE_TABLE, StringType),
          field(Cols.SOURCE_PARTITION, StringType),
          field(Cols.RAW, StringType),
          required(Cols.REASON, StringType),
          field(Cols.DETAIL, StringType),
          required(Cols.INGESTED_AT, TimestampType));

  public static StructType bronze(InputTable table) {
    return switch (table) {
      case ACCOUNTS -> BRONZE_ACCOUNTS;
      case LOGINS -> BRONZE_LOGINS;
      case PAYOUT_METHODS -> BRONZE_PAYOUT_METHODS;
      case IP_INTEL -> BRONZE_IP_INTEL;
      case DECISIONS -> BRONZE_DECISIONS;
    };
  }

  // ops: run_metrics
  public static final String RUN_ID = "run_id";
  public static final String COMMAND = "command";
  public static final String STARTED_AT = "started_at";
  public static final String FINISHED_AT = "finished_at";
  public static final String STATUS = "status";
  public static final String MESSAGE = "message";
  public static final String STAGE_SECONDS = "stage_seconds";
  public static final String ROWS_READ = "rows_read";
  public static final String ROWS_QUARANTINED = "rows_quarantined";
  public static final String ROWS_WRITTEN = "rows_written";
  public static final String DUPLICATES_DROPPED = "duplicates_dropped";
  public static final String LATE_EVENTS = "late_events";
  public static final String DAYS_INGESTED = "days_ingested";
  public static final String TABLES_PUBLISHED = "tables_published";

  /** Delta version of each gold table this run committed: a consistent set to time-travel to. */
  public static final String PUBLISHED_VERSIONS = "published_versions";

  /**
   * Among accounts flagged high or critical on an earlier run date that later got a review
   * decision: how many, and the share confirmed (null when none).
   */
  public static final String DECIDED_FLAGS = "decided_flags";

  public static final String FLAG_PRECISION = "flag_precision";

  /** Snapshot input tables whose export an earlier run ingested: their bronze was kept. */
  public static final String TABLES_UNCHANGED = "tables_unchanged";

  public static final StructType RUN_METRICS =
      struct(
          required(RUN_ID, StringType),
          required(Cols.RUN_DATE, DateType),
          required(COMMAND, StringType),
          required(STARTED_AT, TimestampType),
          field(FINISHED_AT, TimestampType),
          required(STATUS, StringType),
          field(MESSAGE, StringType),
          field(STAGE_SECONDS, createMapType(StringType, DoubleType)),
          field(ROWS_READ, createMapType(StringType, LongType)),
          field(ROWS_QUARANTINED, createMapType(StringType, LongType)),
          field(ROWS_WRITTEN, createMapType(StringType, LongType)),
          field(DUPLICATES_DROPPED, LongType),
          field(LATE_EVENTS, LongType),
          field(DAYS_INGESTED, createArrayType(DateType)),
          field(TABLES_PUBLISHED, createArrayType(StringType)),
          field(PUBLISHED_VERSIONS, createMapType(StringType, LongType)),
          field(FLAG_PRECISION, DoubleType),
          field(DECIDED_FLAGS, LongType),
          field(TABLES_UNCHANGED, createArrayType(StringType)));

  // ops: ingest_log
  public static final String FILES = "files";
  public static final String BYTES = "bytes";

  public static final StructType INGEST_LOG =
      struct(
          required(Cols.LANDED_DATE, DateType),
          required(FILES, LongType),
          required(BYTES, LongType),
          required(Cols.RUN_DATE, DateType),
          required(Cols.INGESTED_AT, TimestampType));

  // ops: erasures
  public static final String ACCOUNT_HASH = "account_hash";
  public static final String ERASED_AT = "erased_at";
  public static final String ROWS_REMOVED = "rows_removed";

  public static final StructType ERASURES =
      struct(
          required(ACCOUNT_HASH, StringType),
          required(ERASED_AT, TimestampType),
          field(ROWS_REMOVED, createMapType(StringType, LongType)));

  // detection rollups
  public static final StructType ATTRIBUTE_DAILY =
      struct(
          required(Cols.EVENT_DATE, DateType),
          required(Cols.ACCOUNT_ID, StringType),
          required(Cols.ATTR_TYPE, StringType),
          required(Cols.ATTR_VALUE, StringType),
          required(Cols.LOGINS, IntegerType),
          field(Cols.FIRST_SEEN, TimestampType),
          field(Cols.LAST_SEEN, TimestampType),
          field(Cols.HOURS, createArrayType(IntegerType)));

  public static final StructType CO_LOGIN_MEETINGS =
      struct(
          required(Cols.EVENT_DATE, DateType),
          required(Cols.ACCOUNT_A, StringType),
          required(Cols.ACCOUNT_B, StringType),
          required(Cols.IP, StringType),
          required(Cols.MEETINGS, LongType));

  // gold
  public static final StructType REASON =
      struct(
          field(Cols.CODE, StringType),
          field(Cols.TEXT, StringType),
          field(Cols.WEIGHT, DoubleType));

  public static final StructType ACCOUNT_RISK =
      struct(
          required(Cols.RUN_DATE, DateType),
          required(Cols.ACCOUNT_ID, StringType),
          field(Cols.CLUSTER_ID, StringType),
          required(Cols.RISK_SCORE, DoubleType),
          required(Cols.RISK_TIER, StringType),
          field(Cols.REASONS, createArrayType(REASON)),
          required(Cols.MODEL_VERSION, StringType),
          field(Cols.LOGINS, LongType),
          field(Cols.ACTIVE_DAYS, LongType),
          field(Cols.CLAIMED_COUNTRY, StringType),
          field(Cols.CLAIMED_TIMEZONE, StringType),
          field(Cols.WORKING_HOURS_OFFSET, IntegerType),
          field(Cols.TZ_MISMATCH, DoubleType),
          field(ModelInputs.COLUMN, ModelInputs.SCHEMA));

  public static final StructType CLUSTER_RISK =
      struct(
          required(Cols.RUN_DATE, DateType),
          required(Cols.CLUSTER_ID, StringType),
          required(Cols.SIZE, LongType),
          required(Cols.RISK_SCORE, DoubleType),
          required(Cols.RISK_TIER, StringType),
          field(Cols.REASONS, createArrayType(REASON)),
          field(Cols.SHARED_IPS, LongType),
          field(Cols.SHARED_DEVICES, LongType),
          field(Cols.SHARED_PAYOUT_METHODS, LongType),
          field(Cols.CLAIMED_COUNTRIES, createArrayType(StringType)),
          field(Cols.CLAIMED_COUNTRIES_COUNT, LongType),
          field(Cols.CLAIMED_TIMEZONES_COUNT, LongType),
          field(Cols.WORKING_HOURS_OFFSET, IntegerType),
          field(Cols.WORKING_HOURS_TIMEZONE, StringType),
          field(Cols.WORKING_HOURS_FIT, DoubleType),
          field(Cols.CREATED_SPAN_DAYS, DoubleType),
          field(Cols.ANONYMISED_SHARE, DoubleType),
          field(Cols.FOREIGN_SHARE, DoubleType),
          field(Cols.INFRASTRUCTURE_EXCLUSIVITY, DoubleType),
          field(Cols.MAX_ACCOUNTS_PER_RESIDENTIAL_IP, LongType),
          field(Cols.CO_LOGIN_MEMBERS, LongType),
          required(Cols.MODEL_VERSION, StringType),
          field(Cols.MAX_CREATED_WITHIN_21_DAYS, LongType),
          field(Cols.SHARED_SHIFT_SHARE, DoubleType),
          field(ModelInputs.COLUMN, ModelInputs.SCHEMA));

  /**
   * One record of the moderation feed ({@code export --table account_risk --changes-since}): an
   * account whose published tier or score changed, or which is new, since the given point. The same
   * as docs/moderation-feed.schema.json.
   */
  public static final StructType MODERATION_FEED =
      struct(
          required(Cols.ACCOUNT_ID, StringType),
          required(Cols.RISK_TIER, StringType),
          required(Cols.RISK_SCORE, DoubleType),
          field(Cols.PREVIOUS_TIER, StringType),
          field(Cols.PREVIOUS_SCORE, DoubleType),
          required(Cols.CHANGE, StringType),
          field(Cols.REASONS, createArrayType(REASON)),
          field(Cols.CLUSTER_ID, StringType),
          required(Cols.RUN_DATE, DateType),
          field(Cols.PREVIOUS_RUN_DATE, DateType),
          required(Cols.TABLE_VERSION, LongType));

  public static final StructType CLUSTER_MEMBERS =
      struct(
          required(Cols.RUN_DATE, DateType),
          required(Cols.CLUSTER_ID, StringType),
          required(Cols.ACCOUNT_ID, StringType));

  public static final StructType LINK_EVIDENCE =
      struct(
          required(Cols.RUN_DATE, DateType),
          required(Cols.ACCOUNT_A, StringType),
          required(Cols.ACCOUNT_B, StringType),
          required(Cols.LINK_TYPE, StringType),
          field(Cols.ATTRIBUTE, StringType),
          required(Cols.WEIGHT, DoubleType),
          field(Cols.FIRST_SEEN, TimestampType),
          field(Cols.LAST_SEEN, TimestampType),
          field(Cols.EVENTS, LongType),
          field(Cols.CLUSTER_ID, StringType));
}
