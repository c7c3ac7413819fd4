package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.VACUUM_HELP;
import static com.cohortwatch.cli.CommandSupport.locked;
import static com.cohortwatch.cli.CommandSupport.printRemoved;
import static com.cohortwatch.cli.CommandSupport.requireWarehouse;
import static com.cohortwatch.cli.CommandSupport.withSession;

import com.cohortwatch.io.Warehouse;
import com.cohortwatch.retention.Retention;
import java.io.PrintStream;
import java.util.Set;

/** {@code cohortwatch erase}: one account removed from every table (an erasure request). */
final class EraseCommand implements Command {
  @Override
  public String name() {
    return "erase";
  }

  @Override
  public String summary() {
    return "remove one account from every table (erasure request)";
  }

  @Override
  public Set<String> flags() {
    return Set.of("warehouse", "account", "vacuum-retention-hours");
  }

  @Override
  public String help() {
    return "usage: cohortwatch erase --warehouse DIR --account ID"
        + " [--vacuum-retention-hours H]\n"
        + "Removes one account from every table that names it (through a one-row table, so"
        + " no Delta commit log names it), records a hash of its id so later ingestion"
        + " drops its records, then VACUUMs every table (docs/THREAT-MODEL.md says what"
        + " remains until the retention has passed).\n"
        + VACUUM_HELP;
  }

  @Override
  public void execute(Options o, PrintStream out) {
    String warehouseDir = o.required("warehouse");
    String account = o.required("account");
    int hours =
        o.nonNegativeInt("vacuum-retention-hours", Retention.DEFAULT_VACUUM_RETENTION_HOURS);
    withSession(
        "cohortwatch-erase",
        spark -> {
          Warehouse warehouse = requireWarehouse(spark, warehouseDir);
          // The lock names the command, not the account: its file is readable by all.
          locked(
              spark,
              warehouseDir,
              "erase",
              () ->
                  printRemoved(
                      out,
                      // not the id itself: this line lands in scheduler logs
                      "erased the account whose id has SHA-256 "
                          + Retention.hash(account).substring(0, 16)
                          + "... (the erasures table's key)",
                      Retention.erase(spark, warehouse, account, hours),
                      hours));
        });
  }
}
