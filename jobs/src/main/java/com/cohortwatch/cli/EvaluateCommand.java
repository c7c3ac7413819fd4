package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.withSession;

import com.cohortwatch.eval.WarehouseEvaluation;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Set;

/** {@code cohortwatch evaluate}: account_risk scored against a generated world's truth (a tool). */
final class EvaluateCommand implements Command {
  @Override
  public String name() {
    return "evaluate";
  }

  @Override
  public String summary() {
    return "detection quality of account_risk against generated truth";
  }

  @Override
  public Set<String> flags() {
    return Set.of("truth", "warehouse", "date");
  }

  @Override
  public String help() {
    return "usage: cohortwatch evaluate --truth DIR --warehouse DIR [--date YYYY-MM-DD]\n"
        + "Scores account_risk (newest run_date, or --date) against the generator's"
        + " truth/accounts.csv: average precision, precision and recall at high+critical,"
        + " false-positive rate per benign kind, rings recovered, recall per ring style.\n"
        + "  --truth DIR   the generator's output folder or its truth/ folder\n";
  }

  @Override
  public void execute(Options o, PrintStream out) {
    String truthDir = o.required("truth");
    String warehouseDir = o.required("warehouse");
    LocalDate date = o.optionalDate("date");
    withSession(
        "cohortwatch-evaluate",
        spark ->
            out.println(WarehouseEvaluation.run(spark, truthDir, warehouseDir, date).format()));
  }
}
