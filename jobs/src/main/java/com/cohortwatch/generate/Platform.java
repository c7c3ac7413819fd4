package com.cohortwatch.generate;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/** A synthetic platform the generator writes out: its accounts, their logins, its ip_intel. */
interface Platform {
  List<Population.Account> accounts();

  /** The logins of one account on one UTC day; deterministic for (seed, account, day). */
  List<Population.Login> loginsOf(Population.Account a, LocalDate day, int dayIndex);

  /** ip_intel rows: network, asn, as_org, country, usage_type. */
  List<String[]> intel();

  /** What was drawn for this world (written to truth/world.json), empty when nothing was. */
  default Map<String, Object> drawn() {
    return Map.of();
  }
}
