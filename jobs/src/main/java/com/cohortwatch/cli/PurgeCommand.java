package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.VACUUM_HELP;
import static com.cohortwatch.cli.CommandSupport.locked;
import static com.cohortwatch.cli.CommandSupport.printRemoved;
import static com.cohortwatch.cli.CommandSupport.requireWarehouse;
import static com.cohortwatch.cli.CommandSupport.withSession;

import com.cohortwatch.io.Warehouse;
import com.cohortwatch.retention.Retention;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Set;

/** {@code cohortwatch purge}: retention; rows dated before a date deleted, then VACUUM. */
final class PurgeCommand implements Command {
  @Override
  public String name() {
    return "purge";
  }

  @Override
  public String summary() {
    return "delete rows dated before a date and VACUUM (retention)";
  }

  @Override
  public Set<String> flags() {
    return Set.of("warehouse", "before", "vacuum-retention-hours");
  }

  @Override
  public String help() {
    return "usage: cohortwatch purge --warehouse DIR --before YYYY-MM-DD"
        + " [--vacuum-retention-hours H]\n"
        + "Deletes bronze login events, rollups, quarantine and gold rows dated before"
        + " --before (Delta DELETE), then VACUUMs those tables.\n"
        + VACUUM_HELP;
  }

  @Override
  public void execute(Options o, PrintStream out) {
    String warehouseDir = o.required("warehouse");
    LocalDate before = o.date("before");
    int hours =
        o.nonNegativeInt("vacuum-retention-hours", Retention.DEFAULT_VACUUM_RETENTION_HOURS);
    withSession(
        "cohortwatch-purge " + before,
        spark -> {
          Warehouse warehouse = requireWarehouse(spark, warehouseDir);
          locked(
              spark,
              warehouseDir,
              "purge --before " + before,
              () ->
                  printRemoved(
                      out,
                      "purged rows dated before " + before,
                      Retention.purge(spark, warehouse, before, hours),
                      hours));
        });
  }
}
