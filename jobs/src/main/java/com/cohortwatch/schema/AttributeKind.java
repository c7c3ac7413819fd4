package com.cohortwatch.schema;

/**
 * What accounts can share, as {@code attr_type} names it in the rollups and {@code link_type} in
 * {@code link_evidence}. Ingest rolls up addresses, subnets and devices per day; detection adds
 * payout methods from their table and the links it infers (co-login, cohort).
 */
public enum AttributeKind {
  IP("ip"),
  SUBNET("subnet"),
  DEVICE("device"),
  PAYOUT("payout"),
  /** Two accounts in the same co-login time slots on one address, on several days. */
  CO_LOGIN("co_login"),
  /** Accounts created together that share an address. */
  COHORT("cohort");

  private final String value;

  AttributeKind(String value) {
    this.value = value;
  }

  /** As stored. */
  public String value() {
    return value;
  }
}
