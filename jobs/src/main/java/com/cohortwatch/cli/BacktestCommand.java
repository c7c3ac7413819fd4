package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.withSession;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Set;

/**
 * {@code cohortwatch backtest}: rescore past nights with other settings into a scratch warehouse
 * and compare.
 */
final class BacktestCommand implements Command {
  @Override
  public String name() {
    return "backtest";
  }

  @Override
  public String summary() {
    return "rescore past dates into a scratch warehouse and compare with what was published";
  }

  @Override
  public Set<String> flags() {
    return Set.of(
        "input", "warehouse", "scratch", "from", "to", "lookback-days", "config", "sample-key");
  }

  @Override
  public String help() {
    return "usage: cohortwatch backtest --input DIR --warehouse DIR --scratch DIR --from"
        + " YYYY-MM-DD --to YYYY-MM-DD [--config FILE] [--conf KEY=VALUE ...]\n"
        + "Rescores the nights --from..--to with the given settings into a scratch"
        + " warehouse (a shallow clone of the published one: the published tables are only"
        + " read) and prints, against the published scores of the same nights: accounts"
        + " and clusters newly flagged and no longer flagged (high or critical), account"
        + " tier moves, and the flag precision of both against review decisions.\n"
        + RunFlags.HELP
        + "  --warehouse DIR       the published warehouse (only read)\n"
        + "  --scratch DIR         where the rescored tables go (replaced on every"
        + " backtest; outside --warehouse)\n"
        + "settings:\n"
        + Settings.describe();
  }

  @Override
  public void execute(Options o, PrintStream out) {
    LocalDate from = o.date("from");
    LocalDate to = RunFlags.to(o, "backtest", from);
    String scratch = o.required("scratch");
    RunConfig config = RunFlags.config(o, from);
    withSession(
        "cohortwatch-backtest " + from + ".." + to,
        spark -> {
          var comparison =
              com.cohortwatch.pipeline.Backtest.run(
                  spark,
                  config,
                  scratch,
                  from,
                  to,
                  (date, metrics) -> out.println("== rescored " + date));
          out.println(comparison.format(from, to, scratch));
        });
  }
}
