package com.cohortwatch.schema;

import java.util.ArrayList;
import java.util.List;

/** The contract's input tables: folder name, required and optional columns. */
public enum InputTable {
  ACCOUNTS(
      "accounts",
      true,
      false,
      List.of(Cols.ACCOUNT_ID),
      List.of(
          Cols.CREATED_AT,
          Cols.CLAIMED_COUNTRY,
          Cols.CLAIMED_TIMEZONE,
          Cols.EMAIL_DOMAIN,
          Cols.PROFILE_TYPE)),
  LOGINS(
      "logins",
      true,
      true,
      List.of(Cols.ACCOUNT_ID, Cols.EVENT_TIME, Cols.IP),
      List.of(Cols.EVENT_ID, Cols.DEVICE_ID, Cols.USER_AGENT, Cols.SUCCESS)),
  PAYOUT_METHODS(
      "payout_methods",
      false,
      false,
      List.of(Cols.ACCOUNT_ID, Cols.PAYOUT_METHOD_ID),
      List.of(Cols.METHOD_TYPE, Cols.ADDED_AT)),
  IP_INTEL(
      "ip_intel",
      false,
      false,
      List.of(Cols.NETWORK),
      List.of(Cols.ASN, Cols.AS_ORG, Cols.COUNTRY, Cols.USAGE_TYPE)),
  DECISIONS(
      "decisions",
      false,
      false,
      List.of(Cols.ACCOUNT_ID, Cols.DECISION, Cols.DECIDED_AT),
      List.of(Cols.REVIEWER, Cols.NOTE));

  private final String folder;
  private final boolean required;
  private final boolean partitionedByDay;
  private final List<String> requiredColumns;
  private final List<String> optionalColumns;

  InputTable(
      String folder,
      boolean required,
      boolean partitionedByDay,
      List<String> requiredColumns,
      List<String> optionalColumns) {
    this.folder = folder;
    this.required = required;
    this.partitionedByDay = partitionedByDay;
    this.requiredColumns = requiredColumns;
    this.optionalColumns = optionalColumns;
  }

  /** Folder under the input root, and the bronze table's name. */
  public String folder() {
    return folder;
  }

  /** Whether a run fails when the table has no files. */
  public boolean required() {
    return required;
  }

  public boolean partitionedByDay() {
    return partitionedByDay;
  }

  public List<String> requiredColumns() {
    return requiredColumns;
  }

  public List<String> allColumns() {
    List<String> all = new ArrayList<>(requiredColumns);
    all.addAll(optionalColumns);
    return all;
  }
}
