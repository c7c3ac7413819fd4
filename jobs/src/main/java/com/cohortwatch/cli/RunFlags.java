package com.cohortwatch.cli;

import com.cohortwatch.UsageException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.config.SettingsSources;
import java.time.LocalDate;

/** The flags of the commands that run the nightly job (run, backfill, backtest), parsed once. */
final class RunFlags {
  private RunFlags() {}

  static final String HELP =
      """
        --input DIR           input root in the contract's layout (any Hadoop path)
        --warehouse DIR       Delta warehouse root
        --lookback-days N     scoring window ending on the run date (default 30)
        --config FILE         JSON file of settings (see below; any Hadoop path)
        --conf KEY=VALUE      one setting; repeatable; overrides --config
        --sample-key          pseudonymise payout ids with the public sample key: only for the
                              committed data-samples/ (others: env COHORTWATCH_HMAC_KEY)
      Settings, weakest first: the default below, spark.cohortwatch.KEY in the Spark
      configuration (spark-submit --conf before the jar, spark-defaults.conf), --config, --conf.
      """;

  /** --to of a date range, which must not be before --from. */
  static LocalDate to(Options o, String command, LocalDate from) {
    LocalDate to = o.date("to");
    if (to.isBefore(from)) {
      throw new UsageException(command + ": --to " + to + " is before --from " + from);
    }
    return to;
  }

  /** The run's config for {@code date}, settings resolved from every source. */
  static RunConfig config(Options o, LocalDate date) {
    String input = o.required("input");
    String warehouse = o.required("warehouse");
    int lookback = o.positiveInt("lookback-days", 30);
    if (o.confOverrides().containsKey(Settings.HMAC_KEY.name())) {
      // ps, shell history and Spark's event log all show a command line.
      throw new UsageException(
          "the HMAC key is not taken from the command line: set COHORTWATCH_HMAC_KEY or --conf "
              + Settings.HMAC_KEY_FILE.name()
              + "=FILE");
    }
    Settings settings =
        SettingsSources.resolve(o.has("config") ? o.required("config") : null, o.confOverrides());
    return new RunConfig(
        input, warehouse, date, lookback, settings, o.has("sample-key"), o.has("full-recompute"));
  }
}
