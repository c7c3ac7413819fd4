package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.locked;
import static com.cohortwatch.cli.CommandSupport.printSummary;
import static com.cohortwatch.cli.CommandSupport.withSession;
import static com.cohortwatch.cli.CommandSupport.writeSummary;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.pipeline.NightlyRun;
import java.io.PrintStream;
import java.util.Set;

/** {@code cohortwatch run}: the nightly job for one date. */
final class RunCommand implements Command {
  @Override
  public String name() {
    return "run";
  }

  @Override
  public String summary() {
    return "ingest the landed logins, score one date, publish the gold tables";
  }

  @Override
  public Set<String> flags() {
    return Set.of(
        "input",
        "warehouse",
        "date",
        "lookback-days",
        "config",
        "summary-json",
        "sample-key",
        "full-recompute");
  }

  @Override
  public String help() {
    return "usage: cohortwatch run --input DIR --warehouse DIR --date YYYY-MM-DD"
        + " [--lookback-days 30] [--config FILE] [--conf KEY=VALUE ...]"
        + " [--summary-json FILE] [--full-recompute]\n"
        + "Ingests the logins landed up to --date (and any earlier day not yet ingested),"
        + " scores every account active in the lookback window and publishes the gold"
        + " tables for run_date = --date.\n"
        + RunFlags.HELP
        + "  --date YYYY-MM-DD     the run date\n"
        + "  --summary-json FILE   also write the run's run_metrics row as JSON (status,"
        + " rows read / rejected / written per table, stage seconds, published versions),"
        + " on success and on failure (any Hadoop path)\n"
        + "  --full-recompute      read every snapshot export again and rebuild the"
        + " rollups of every day in bronze, instead of carrying forward what earlier runs"
        + " built: for recovery, and after a change of the rules that built them (a"
        + " change of the rollup settings link.ipv4-prefix, link.ipv6-prefix or"
        + " link.co-login-window-minutes rebuilds them by itself)\n"
        + "settings:\n"
        + Settings.describe();
  }

  @Override
  public void execute(Options o, PrintStream out) {
    RunConfig config = RunFlags.config(o, o.date("date"));
    String summaryFile = o.has("summary-json") ? o.required("summary-json") : null;
    withSession(
        "cohortwatch-run " + config.runDate(),
        spark ->
            locked(
                spark,
                config.warehouse(),
                "run " + config.runDate(),
                () -> {
                  RunMetrics metrics = new RunMetrics(config.runDate(), "run");
                  java.time.Instant started = java.time.Instant.now();
                  try {
                    NightlyRun.run(spark, config, metrics);
                  } catch (RuntimeException e) {
                    if (summaryFile != null) {
                      writeSummary(spark, summaryFile, metrics, started, e);
                    }
                    throw e;
                  }
                  printSummary(out, metrics);
                  if (summaryFile != null) {
                    out.println(
                        "summary: " + writeSummary(spark, summaryFile, metrics, started, null));
                  }
                }));
  }
}
