package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.io.InputReader;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.UsageType;
import com.cohortwatch.values.IpNormalizer;
import java.sql.Timestamp;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Validation of each input table: raw frame in, the same rows out with typed, normalised columns
 * plus {@code reason} / {@code detail} (null when the row is valid). No I/O; the first failed check
 * in the contract's order names the reason, so every rejected row has exactly one.
 */
public final class Validation {
  private Validation() {}

  /** Validation inputs besides the rows. */
  public record Limits(LocalDate runDate, int futureSkewHours, LocalDate earliestDate) {}

  private static final StructType PARSED_TS =
      new StructType().add("ts", DataTypes.TimestampType).add("problem", DataTypes.StringType);

  static final UserDefinedFunction PARSE_TS =
      udf(
          (UDF1<String, Row>)
              s -> {
                Timestamps.Parsed p = Timestamps.parse(s);
                return RowFactory.create(
                    p.instant() == null ? null : Timestamp.from(p.instant()), p.problem());
              },
          PARSED_TS);

  static final UserDefinedFunction NORMALIZE_IP =
      udf((UDF1<String, String>) IpNormalizer::normalize, DataTypes.StringType);

  static final UserDefinedFunction NORMALIZE_NETWORK =
      udf((UDF1<String, String>) IpNormalizer::normalizeNetwork, DataTypes.StringType);

  static final UserDefinedFunction VALID_ZONE =
      udf(
          (UDF1<String, Boolean>)
              s -> {
                if (s == null) {
                  return true;
                }
                try {
                  ZoneId.of(s.strip());
                  return true;
                } catch (DateTimeException e) {
                  return false;
                }
              },
          DataTypes.BooleanType);

  static final UserDefinedFunction NETWORK_RANGE =
      udf(
          (UDF1<String, Row>)
              s -> {
                String[] range = s == null ? null : IpNormalizer.networkHexRange(s);
                if (range == null) {
                  return null;
                }
                int slash = s.indexOf('/');
                return RowFactory.create(
                    s.indexOf(':') >= 0 ? 6 : 4,
                    Integer.parseInt(s.substring(slash + 1)),
                    range[0],
                    range[1]);
              },
          new StructType()
              .add("version", DataTypes.IntegerType)
              .add("prefix", DataTypes.IntegerType)
              .add("lo", DataTypes.StringType)
              .add("hi", DataTypes.StringType));

  /** One check: when {@code failed} holds (and no earlier check failed), the row is rejected. */
  record Check(Column failed, String reason, Column detail) {
    Check(Column failed, String reason, String detail) {
      this(failed, reason, lit(detail));
    }
  }

  static Column blank(String column) {
    return col(column).isNull().or(trim(col(column)).equalTo(""));
  }

  static Column present(String column) {
    return blank(column).unary_$bang();
  }

  /** Adds reason and detail from the first failed check. */
  static Dataset<Row> applyChecks(Dataset<Row> rows, List<Check> checks) {
    Column reason = lit(null).cast("string");
    Column detail = lit(null).cast("string");
    for (int i = checks.size() - 1; i >= 0; i--) {
      Check c = checks.get(i);
      Column failed = coalesce(c.failed(), lit(false));
      reason = when(failed, lit(c.reason())).otherwise(reason);
      detail = when(failed, c.detail()).otherwise(detail);
    }
    return rows.withColumn(Cols.REASON, reason).withColumn(Cols.DETAIL, detail);
  }

  /**
   * Text read from bytes that are not UTF-8: Spark keeps such bytes as they are until a value
   * becomes a Java string, where the decoder puts U+FFFD in their place (as the CSV reader does
   * while reading), so the replacement character is what gives them away.
   */
  static final UserDefinedFunction NOT_UTF8 =
      udf(
          (UDF1<String, Boolean>) s -> s != null && s.indexOf('\uFFFD') >= 0,
          DataTypes.BooleanType);

  private static List<Check> baseChecks(InputTable table) {
    List<Check> checks = new ArrayList<>();
    checks.add(
        new Check(
            col(InputReader.FILE_PROBLEM).isNotNull(),
            Reasons.UNREADABLE_FILE,
            col(InputReader.FILE_PROBLEM)));
    checks.add(
        new Check(
            length(col(Cols.RAW)).gt(InputReader.MAX_RECORD_CHARS),
            Reasons.OVERLONG_RECORD,
            "longer than " + InputReader.MAX_RECORD_CHARS + " characters; text cut"));
    checks.add(
        new Check(
            NOT_UTF8.apply(col(Cols.RAW)), Reasons.INVALID_ENCODING, "bytes that are not UTF-8"));
    checks.add(
        new Check(col(InputReader.MALFORMED), Reasons.UNPARSEABLE_RECORD, "not a valid record"));
    checks.add(
        new Check(
            col(InputReader.WRONG_TYPE_COLUMN).isNotNull(),
            Reasons.WRONG_TYPE,
            col(InputReader.WRONG_TYPE_COLUMN)));
    for (String required : table.requiredColumns()) {
      checks.add(new Check(blank(required), Reasons.MISSING_REQUIRED_FIELD, required));
    }
    return checks;
  }

  /** Parses a timestamp column into `_ts_<column>` and returns its checks (absent is fine). */
  private static Dataset<Row> withTimestamp(
      Dataset<Row> rows, String column, Limits limits, Column latestAllowed, List<Check> checks) {
    String parsed = "_ts_" + column;
    rows = rows.withColumn(parsed, when(present(column), PARSE_TS.apply(col(column))));
    Column problem = col(parsed + ".problem");
    checks.add(
        new Check(
            present(column).and(problem.equalTo(Reasons.INVALID_TIMESTAMP)),
            Reasons.INVALID_TIMESTAMP,
            column));
    checks.add(
        new Check(
            present(column).and(problem.equalTo(Reasons.IMPOSSIBLE_TIMESTAMP)),
            Reasons.IMPOSSIBLE_TIMESTAMP,
            column));
    checks.add(
        new Check(
            col(parsed + ".ts")
                .lt(
                    lit(
                        Timestamp.from(
                            limits.earliestDate().atStartOfDay(ZoneOffset.UTC).toInstant()))),
            Reasons.IMPOSSIBLE_TIMESTAMP,
            column + " before " + limits.earliestDate()));
    checks.add(new Check(col(parsed + ".ts").gt(latestAllowed), Reasons.FUTURE_TIMESTAMP, column));
    return rows;
  }

  private static Column endOfDayPlusSkew(Column date, int skewHours) {
    return date.cast("timestamp")
        .plus(org.apache.spark.sql.functions.expr("INTERVAL 1 DAY"))
        .plus(
            org.apache.spark.sql.functions.make_interval(
                lit(0), lit(0), lit(0), lit(0), lit(skewHours), lit(0), lit(0)));
  }

  /**
   * Snapshot tables (accounts, payout methods, decisions) are as of today, not as of the run date:
   * a backfill of an old date sees accounts and decisions made since, which are valid records
   * (scoring ignores decisions after its run date). Only a time after now is impossible.
   */
  private static Column snapshotLimit(Limits limits) {
    return org.apache
        .spark
        .sql
        .functions
        .current_timestamp()
        .plus(
            org.apache.spark.sql.functions.make_interval(
                lit(0), lit(0), lit(0), lit(0), lit(limits.futureSkewHours()), lit(0), lit(0)));
  }

  static Column trimmedOrNull(String column) {
    return when(present(column), trim(col(column)));
  }

  /** Logins: required account, time and IP; the IP normalised; a key for deduplication. */
  public static Dataset<Row> logins(Dataset<Row> raw, Limits limits) {
    List<Check> checks = baseChecks(InputTable.LOGINS);
    Column landedLimit =
        endOfDayPlusSkew(
            coalesce(col(Cols.LANDED_DATE), lit(java.sql.Date.valueOf(limits.runDate()))),
            limits.futureSkewHours());
    Dataset<Row> rows = withTimestamp(raw, Cols.EVENT_TIME, limits, landedLimit, checks);
    rows = rows.withColumn("_ip", NORMALIZE_IP.apply(col(Cols.IP)));
    checks.add(new Check(col("_ip").isNull(), Reasons.INVALID_IP, Cols.IP));
    Column success = lower(trim(col(Cols.SUCCESS)));
    checks.add(
        new Check(
            present(Cols.SUCCESS)
                .and(success.isin("true", "false", "1", "0", "t", "f").unary_$bang()),
            Reasons.INVALID_VALUE,
            Cols.SUCCESS));
    rows = applyChecks(rows, checks);
    Column eventKey =
        when(present(Cols.EVENT_ID), concat(lit("id:"), trim(col(Cols.EVENT_ID))))
            .otherwise(
                concat(
                    lit("h:"),
                    sha2(
                        concat_ws(
                            "\u0001",
                            coalesce(col(Cols.ACCOUNT_ID), lit("\u0000")),
                            coalesce(col(Cols.EVENT_TIME), lit("\u0000")),
                            coalesce(col(Cols.IP), lit("\u0000")),
                            coalesce(col(Cols.DEVICE_ID), lit("\u0000")),
                            coalesce(col(Cols.USER_AGENT), lit("\u0000")),
                            coalesce(col(Cols.SUCCESS), lit("\u0000"))),
                        256)));
    Column eventTime = col("_ts_" + Cols.EVENT_TIME + ".ts");
    return rows.select(
        eventKey.as(Cols.EVENT_KEY),
        trimmedOrNull(Cols.EVENT_ID).as(Cols.EVENT_ID),
        trim(col(Cols.ACCOUNT_ID)).as(Cols.ACCOUNT_ID),
        eventTime.as(Cols.EVENT_TIME),
        col("_ip").as(Cols.IP),
        trimmedOrNull(Cols.DEVICE_ID).as(Cols.DEVICE_ID),
        col(Cols.USER_AGENT),
        coalesce(success.isin("true", "1", "t"), lit(true)).as(Cols.SUCCESS),
        to_date(eventTime).as(Cols.EVENT_DATE),
        col(Cols.LANDED_DATE),
        col(Cols.RAW),
        col(Cols.REASON),
        col(Cols.DETAIL),
        col(InputReader.SOURCE_FILE),
        col(InputReader.ROW_ORDER));
  }

  /** Accounts: a later export of the same account replaces the earlier (in {@link Dedup}). */
  public static Dataset<Row> accounts(Dataset<Row> raw, Limits limits) {
    List<Check> checks = baseChecks(InputTable.ACCOUNTS);
    Dataset<Row> rows = withTimestamp(raw, Cols.CREATED_AT, limits, snapshotLimit(limits), checks);
    checks.add(
        new Check(
            present(Cols.CLAIMED_COUNTRY)
                .and(trim(col(Cols.CLAIMED_COUNTRY)).rlike("^[A-Za-z]{2}$").unary_$bang()),
            Reasons.INVALID_VALUE,
            Cols.CLAIMED_COUNTRY));
    checks.add(
        new Check(
            VALID_ZONE.apply(trimmedOrNull(Cols.CLAIMED_TIMEZONE)).unary_$bang(),
            Reasons.INVALID_VALUE,
            Cols.CLAIMED_TIMEZONE));
    rows = applyChecks(rows, checks);
    return rows.select(
        trim(col(Cols.ACCOUNT_ID)).as(Cols.ACCOUNT_ID),
        col("_ts_" + Cols.CREATED_AT + ".ts").as(Cols.CREATED_AT),
        upper(trimmedOrNull(Cols.CLAIMED_COUNTRY)).as(Cols.CLAIMED_COUNTRY),
        trimmedOrNull(Cols.CLAIMED_TIMEZONE).as(Cols.CLAIMED_TIMEZONE),
        lower(trimmedOrNull(Cols.EMAIL_DOMAIN)).as(Cols.EMAIL_DOMAIN),
        lower(trimmedOrNull(Cols.PROFILE_TYPE)).as(Cols.PROFILE_TYPE),
        col(Cols.RAW),
        col(Cols.REASON),
        col(Cols.DETAIL),
        col(InputReader.SOURCE_FILE),
        col(InputReader.ROW_ORDER));
  }

  /** Where a rebuilt payout record's id goes; replaced by the pseudonym before any write. */
  public static final String PAYOUT_ID_MARKER = "[payout_method_id]";

  public static final List<String> METHOD_TYPES =
      List.of("bank", "paypal", "payoneer", "crypto", "other");

  public static Dataset<Row> payoutMethods(Dataset<Row> raw, Limits limits) {
    List<Check> checks = baseChecks(InputTable.PAYOUT_METHODS);
    Dataset<Row> rows = withTimestamp(raw, Cols.ADDED_AT, limits, snapshotLimit(limits), checks);
    checks.add(
        new Check(
            present(Cols.METHOD_TYPE)
                .and(lower(trim(col(Cols.METHOD_TYPE))).isin(METHOD_TYPES.toArray()).unary_$bang()),
            Reasons.INVALID_VALUE,
            Cols.METHOD_TYPE));
    rows = applyChecks(rows, checks);
    // A rejected payout record keeps its fields, not its text: the text may spell the payout id
    // in ways no replace finds (JSON backslash-u escapes, a duplicated key). The id's place holds a
    // marker the pseudonym replaces (IngestStage.pseudonymisePayouts).
    Column rebuilt =
        to_json(
            struct(
                col(Cols.ACCOUNT_ID),
                lit(PAYOUT_ID_MARKER).as(Cols.PAYOUT_METHOD_ID),
                col(Cols.METHOD_TYPE),
                col(Cols.ADDED_AT)));
    rows =
        rows.withColumn(
            Cols.RAW, when(col(InputReader.MALFORMED), col(Cols.RAW)).otherwise(rebuilt));
    return rows.select(
        trim(col(Cols.ACCOUNT_ID)).as(Cols.ACCOUNT_ID),
        trim(col(Cols.PAYOUT_METHOD_ID)).as(Cols.PAYOUT_METHOD_ID),
        lower(trimmedOrNull(Cols.METHOD_TYPE)).as(Cols.METHOD_TYPE),
        col("_ts_" + Cols.ADDED_AT + ".ts").as(Cols.ADDED_AT),
        col(Cols.RAW),
        col(Cols.REASON),
        col(Cols.DETAIL),
        col(InputReader.SOURCE_FILE),
        col(InputReader.ROW_ORDER),
        col(InputReader.MALFORMED));
  }

  public static Dataset<Row> ipIntel(Dataset<Row> raw, Limits limits) {
    List<Check> checks = baseChecks(InputTable.IP_INTEL);
    Dataset<Row> rows = raw.withColumn("_net", NORMALIZE_NETWORK.apply(col(Cols.NETWORK)));
    rows = rows.withColumn("_range", NETWORK_RANGE.apply(col("_net")));
    checks.add(new Check(col("_net").isNull(), Reasons.INVALID_IP, Cols.NETWORK));
    checks.add(
        new Check(
            present(Cols.USAGE_TYPE)
                .and(
                    lower(trim(col(Cols.USAGE_TYPE)))
                        .isin(UsageType.VALUES.toArray())
                        .unary_$bang()),
            Reasons.INVALID_VALUE,
            Cols.USAGE_TYPE));
    checks.add(
        new Check(
            present(Cols.COUNTRY).and(trim(col(Cols.COUNTRY)).rlike("^[A-Za-z]{2}$").unary_$bang()),
            Reasons.INVALID_VALUE,
            Cols.COUNTRY));
    rows = applyChecks(rows, checks);
    return rows.select(
        col("_net").as(Cols.NETWORK),
        trimmedOrNull(Cols.ASN).as(Cols.ASN),
        trimmedOrNull(Cols.AS_ORG).as(Cols.AS_ORG),
        upper(trimmedOrNull(Cols.COUNTRY)).as(Cols.COUNTRY),
        lower(trimmedOrNull(Cols.USAGE_TYPE)).as(Cols.USAGE_TYPE),
        col("_range.version").as(Schemas.IP_VERSION),
        col("_range.prefix").as(Schemas.PREFIX_LENGTH),
        col("_range.lo").as(Schemas.RANGE_LO),
        col("_range.hi").as(Schemas.RANGE_HI),
        col(Cols.RAW),
        col(Cols.REASON),
        col(Cols.DETAIL),
        col(InputReader.SOURCE_FILE),
        col(InputReader.ROW_ORDER));
  }

  public static Dataset<Row> decisions(Dataset<Row> raw, Limits limits) {
    List<Check> checks = baseChecks(InputTable.DECISIONS);
    Dataset<Row> rows = withTimestamp(raw, Cols.DECIDED_AT, limits, snapshotLimit(limits), checks);
    checks.add(
        new Check(
            lower(trim(col(Cols.DECISION))).isin("confirmed", "cleared").unary_$bang(),
            Reasons.INVALID_VALUE,
            Cols.DECISION));
    rows = applyChecks(rows, checks);
    return rows.select(
        trim(col(Cols.ACCOUNT_ID)).as(Cols.ACCOUNT_ID),
        lower(trim(col(Cols.DECISION))).as(Cols.DECISION),
        col("_ts_" + Cols.DECIDED_AT + ".ts").as(Cols.DECIDED_AT),
        trimmedOrNull(Cols.REVIEWER).as(Cols.REVIEWER),
        col(Cols.NOTE),
        col(Cols.RAW),
        col(Cols.REASON),
        col(Cols.DETAIL),
        col(InputReader.SOURCE_FILE),
        col(InputReader.ROW_ORDER));
  }

  public static Dataset<Row> validate(InputTable table, Dataset<Row> raw, Limits limits) {
    return switch (table) {
      case LOGINS -> logins(raw, limits);
      case ACCOUNTS -> accounts(raw, limits);
      case PAYOUT_METHODS -> payoutMethods(raw, limits);
      case IP_INTEL -> ipIntel(raw, limits);
      case DECISIONS -> decisions(raw, limits);
    };
  }
}
