package com.cohortwatch.schema;

/** Every column name of the contract and of our own tables, in one place. */
public final class Cols {
  private Cols() {}

  // input: accounts
  public static final String ACCOUNT_ID = "account_id";
  public static final String CREATED_AT = "created_at";
  public static final String CLAIMED_COUNTRY = "claimed_country";
  public static final String CLAIMED_TIMEZONE = "claimed_timezone";
  public static final String EMAIL_DOMAIN = "email_domain";
  public static final String PROFILE_TYPE = "profile_type";

  // input: logins
  public static final String EVENT_ID = "event_id";
  public static final String EVENT_TIME = "event_time";
  public static final String IP = "ip";
  public static final String DEVICE_ID = "device_id";
  public static final String USER_AGENT = "user_agent";
  public static final String SUCCESS = "success";

  // input: payout_methods
  public static final String PAYOUT_METHOD_ID = "payout_method_id";
  public static final String METHOD_TYPE = "method_type";
  public static final String ADDED_AT = "added_at";

  // input: ip_intel
  public static final String NETWORK = "network";
  public static final String ASN = "asn";
  public static final String AS_ORG = "as_org";
  public static final String COUNTRY = "country";
  public static final String USAGE_TYPE = "usage_type";

  // input: decisions
  public static final String DECISION = "decision";
  public static final String DECIDED_AT = "decided_at";
  public static final String REVIEWER = "reviewer";
  public static final String NOTE = "note";

  // bronze additions
  public static final String INGESTED_AT = "ingested_at";
  public static final String EVENT_DATE = "event_date";

  /**
   * The landing folder (`logins/date=D`) a login arrived in; differs from event_date for late data.
   */
  public static final String LANDED_DATE = "landed_date";

  /** event_id when given, else a hash of the whole row: the deduplication key. */
  public static final String EVENT_KEY = "event_key";

  // quarantine
  public static final String RUN_DATE = "run_date";
  public static final String SOURCE_TABLE = "source_table";
  public static final String RAW = "raw";
  public static final String REASON = "reason";
  public static final String DETAIL = "detail";
  public static final String SOURCE_PARTITION = "source_partition";

  // rollups
  public static final String ATTR_TYPE = "attr_type";
  public static final String ATTR_VALUE = "attr_value";
  public static final String LOGINS = "logins";
  public static final String FIRST_SEEN = "first_seen";
  public static final String LAST_SEEN = "last_seen";

  /** 24 login counts by UTC hour of day. */
  public static final String HOURS = "hours";

  public static final String SLOT = "slot";

  /** The co-login slots two accounts shared on one address on one day. */
  public static final String MEETINGS = "meetings";

  // enrichment
  public static final String IP_COUNTRY = "ip_country";

  // links and clusters
  public static final String ACCOUNT_A = "account_a";
  public static final String ACCOUNT_B = "account_b";
  public static final String LINK_TYPE = "link_type";
  public static final String ATTRIBUTE = "attribute";
  public static final String WEIGHT = "weight";
  public static final String EVENTS = "events";
  public static final String CLUSTER_ID = "cluster_id";
  public static final String N_ACCOUNTS = "n_accounts";

  // scores
  public static final String RISK_SCORE = "risk_score";
  public static final String RISK_TIER = "risk_tier";
  public static final String REASONS = "reasons";
  public static final String MODEL_VERSION = "model_version";
  public static final String CODE = "code";
  public static final String TEXT = "text";
  public static final String SIZE = "size";

  // moderation feed (export --changes-since)
  public static final String PREVIOUS_TIER = "previous_tier";
  public static final String PREVIOUS_SCORE = "previous_score";
  public static final String PREVIOUS_RUN_DATE = "previous_run_date";
  public static final String CHANGE = "change";
  public static final String TABLE_VERSION = "table_version";

  // gold: the features account_risk and cluster_risk publish beside their scores (the detect
  // steps name their columns with these, so a rename changes the table and the step together)
  /** Distinct days an account logged in within the window. */
  public static final String ACTIVE_DAYS = "active_days";

  public static final String WORKING_HOURS_OFFSET = "working_hours_offset";
  public static final String WORKING_HOURS_TIMEZONE = "working_hours_timezone";
  public static final String WORKING_HOURS_FIT = "working_hours_fit";
  public static final String TZ_MISMATCH = "tz_mismatch";
  public static final String SHARED_IPS = "shared_ips";
  public static final String SHARED_DEVICES = "shared_devices";
  public static final String SHARED_PAYOUT_METHODS = "shared_payout_methods";
  public static final String CLAIMED_COUNTRIES = "claimed_countries";
  public static final String CLAIMED_COUNTRIES_COUNT = "claimed_countries_count";
  public static final String CLAIMED_TIMEZONES_COUNT = "claimed_timezones_count";
  public static final String CREATED_SPAN_DAYS = "created_span_days";
  public static final String ANONYMISED_SHARE = "anonymised_share";
  public static final String FOREIGN_SHARE = "foreign_share";
  public static final String INFRASTRUCTURE_EXCLUSIVITY = "infrastructure_exclusivity";
  public static final String MAX_ACCOUNTS_PER_RESIDENTIAL_IP = "max_accounts_per_residential_ip";
  public static final String CO_LOGIN_MEMBERS = "co_login_members";
  public static final String MAX_CREATED_WITHIN_21_DAYS = "max_created_within_21_days";
  public static final String SHARED_SHIFT_SHARE = "shared_shift_share";
}
