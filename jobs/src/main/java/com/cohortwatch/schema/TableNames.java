package com.cohortwatch.schema;

import java.util.Map;

/** Names of the Delta tables under the warehouse root (the contract's, plus our ops tables). */
public final class TableNames {
  private TableNames() {}

  /** Delta table property that makes a table record its change data feed. */
  public static final String CHANGE_DATA_FEED = "delta.enableChangeDataFeed";

  /**
   * Table properties a table must carry: account_risk records its change data feed, which the
   * moderation feed ({@code export --changes-since}) reads.
   */
  public static Map<String, String> properties(String table) {
    return ACCOUNT_RISK.equals(table) ? Map.of(CHANGE_DATA_FEED, "true") : Map.of();
  }

  public static final String QUARANTINE = "quarantine";
  public static final String ACCOUNT_RISK = "account_risk";
  public static final String CLUSTER_RISK = "cluster_risk";
  public static final String CLUSTER_MEMBERS = "cluster_members";
  public static final String LINK_EVIDENCE = "link_evidence";
  public static final String RUN_METRICS = "run_metrics";

  /** Which landed login days were ingested, with their file count and size (ops). */
  public static final String INGEST_LOG = "ingest_log";

  /** Per account x attribute x day rollups that nightly scoring reads instead of raw events. */
  public static final String ATTRIBUTE_DAILY = "attribute_daily";

  /**
   * Accounts erased on request, as SHA-256 of the account id: ingestion drops their records so a
   * later export cannot bring them back, and the list itself holds no raw id.
   */
  public static final String ERASURES = "erasures";

  /**
   * Which accounts used an IP in each co-login time slot, per day: written by releases before
   * {@link #CO_LOGIN_MEETINGS}, no longer written or read, but purge and erase still clear it in a
   * warehouse that has it (it names accounts and their addresses).
   */
  public static final String IP_SLOTS = "ip_slots";

  /**
   * Which pairs of accounts met on an IP in a co-login time slot, per day: rolled up with each day
   * from its logins' slots, so a night reads its window's meetings instead of joining its slots.
   */
  public static final String CO_LOGIN_MEETINGS = "co_login_meetings";
}
