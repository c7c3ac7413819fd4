package com.cohortwatch.schema;

import java.util.Arrays;
import java.util.List;

/**
 * What an address range is used for, as {@code ip_intel.usage_type} says (the contract's values).
 */
public enum UsageType {
  RESIDENTIAL("residential"),
  MOBILE("mobile"),
  BUSINESS("business"),
  EDUCATION("education"),
  HOSTING("hosting"),
  VPN("vpn"),
  TOR("tor");

  private final String value;

  UsageType(String value) {
    this.value = value;
  }

  /** As stored. */
  public String value() {
    return value;
  }

  /** Every valid stored value, in the contract's order. */
  public static final List<String> VALUES = Arrays.stream(values()).map(UsageType::value).toList();
}
