package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.withSession;

import java.io.PrintStream;
import java.util.Set;

/** {@code cohortwatch generate}: a synthetic platform with known rings (a tool). */
final class GenerateCommand implements Command {
  @Override
  public String name() {
    return "generate";
  }

  @Override
  public String summary() {
    return "synthetic platform data with known rings, for tests and demos";
  }

  @Override
  public Set<String> flags() {
    return com.cohortwatch.generate.GeneratorConfig.FLAGS;
  }

  @Override
  public String help() {
    return com.cohortwatch.generate.GeneratorConfig.HELP;
  }

  @Override
  public void execute(Options o, PrintStream out) {
    var config = com.cohortwatch.generate.GeneratorConfig.fromOptions(o.values());
    withSession(
        "cohortwatch-generate",
        spark -> {
          var summary = com.cohortwatch.generate.Generator.run(spark, config);
          out.printf(
              "generated %d accounts, %d logins, %d bad records, %d duplicate deliveries"
                  + " in %s (truth in %s/truth)%n",
              summary.accounts(),
              summary.logins(),
              summary.badRecords(),
              summary.duplicateDeliveries(),
              summary.out(),
              summary.out());
        });
  }
}
