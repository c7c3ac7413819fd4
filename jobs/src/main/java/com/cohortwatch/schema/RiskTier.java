package com.cohortwatch.schema;

import java.util.List;

/** A risk tier, as {@code account_risk} and {@code cluster_risk} store it in {@code risk_tier}. */
public enum RiskTier {
  LOW("low"),
  MEDIUM("medium"),
  HIGH("high"),
  CRITICAL("critical");

  private final String value;

  RiskTier(String value) {
    this.value = value;
  }

  /** As stored. */
  public String value() {
    return value;
  }

  /** The stored values of the tiers that flag an account for review: high and critical. */
  public static final List<String> FLAGGED = List.of(HIGH.value, CRITICAL.value);

  /** The stored values, most severe first. */
  public static final List<String> BY_SEVERITY =
      List.of(CRITICAL.value, HIGH.value, MEDIUM.value, LOW.value);
}
