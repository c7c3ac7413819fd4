package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.locked;
import static com.cohortwatch.cli.CommandSupport.printSummary;
import static com.cohortwatch.cli.CommandSupport.withSession;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.pipeline.Backfill;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Set;

/** {@code cohortwatch backfill}: the nightly job for every date of a range, in order. */
final class BackfillCommand implements Command {
  @Override
  public String name() {
    return "backfill";
  }

  @Override
  public String summary() {
    return "the nightly run of every date in a range, in order";
  }

  @Override
  public Set<String> flags() {
    return Set.of("input", "warehouse", "from", "to", "lookback-days", "config", "sample-key");
  }

  @Override
  public String help() {
    return "usage: cohortwatch backfill --input DIR --warehouse DIR --from YYYY-MM-DD"
        + " --to YYYY-MM-DD [--lookback-days 30] [--config FILE] [--conf KEY=VALUE ...]\n"
        + "Runs the nightly job for every date from --from to --to in order, as nightly"
        + " runs would have.\n"
        + RunFlags.HELP
        + "settings:\n"
        + Settings.describe();
  }

  @Override
  public void execute(Options o, PrintStream out) {
    LocalDate from = o.date("from");
    LocalDate to = RunFlags.to(o, "backfill", from);
    RunConfig config = RunFlags.config(o, from);
    withSession(
        "cohortwatch-backfill " + from + ".." + to,
        spark ->
            locked(
                spark,
                config.warehouse(),
                "backfill " + from + ".." + to,
                () ->
                    Backfill.run(
                        spark,
                        config,
                        from,
                        to,
                        (date, metrics) -> {
                          out.println("== " + date);
                          printSummary(out, metrics);
                        })));
  }
}
