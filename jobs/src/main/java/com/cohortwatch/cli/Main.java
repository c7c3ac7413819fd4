package com.cohortwatch.cli;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.UsageException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.config.SettingsSources;
import com.cohortwatch.io.Exporter;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.WarehouseLock;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.pipeline.Backfill;
import com.cohortwatch.pipeline.ModerationFeed;
import com.cohortwatch.pipeline.NightlyRun;
import com.cohortwatch.report.Report;
import com.cohortwatch.report.ReportData;
import com.cohortwatch.retention.Retention;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.spark.Sessions;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line: parse the subcommand's flags into an immutable config, build the session, run.
 * Exit codes: 0 success, 1 a failure with a one-line reason, 2 a usage error.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** One subcommand: its flags, its help, and what it does. */
  interface Command {
    Set<String> flags();

    String help();

    void execute(Options options, PrintStream out);
  }

  private static final String RUN_FLAGS_HELP =
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

  private final Map<String, Command> commands = new LinkedHashMap<>();

  Main() {
    commands.put(
        "run",
        new Command() {
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

          public String help() {
            return "usage: cohortwatch run --input DIR --warehouse DIR --date YYYY-MM-DD"
                + " [--lookback-days 30] [--config FILE] [--conf KEY=VALUE ...]"
                + " [--summary-json FILE] [--full-recompute]\n"
                + "Ingests the logins landed up to --date (and any earlier day not yet ingested),"
                + " scores every account active in the lookback window and publishes the gold"
                + " tables for run_date = --date.\n"
                + RUN_FLAGS_HELP
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

          public void execute(Options o, PrintStream out) {
            RunConfig config = runConfig(o, o.date("date"));
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
                                "summary: "
                                    + writeSummary(spark, summaryFile, metrics, started, null));
                          }
                        }));
          }
        });
    commands.put(
        "backfill",
        new Command() {
          public Set<String> flags() {
            return Set.of(
                "input", "warehouse", "from", "to", "lookback-days", "config", "sample-key");
          }

          public String help() {
            return "usage: cohortwatch backfill --input DIR --warehouse DIR --from YYYY-MM-DD"
                + " --to YYYY-MM-DD [--lookback-days 30] [--config FILE] [--conf KEY=VALUE ...]\n"
                + "Runs the nightly job for every date from --from to --to in order, as nightly"
                + " runs would have.\n"
                + RUN_FLAGS_HELP
                + "settings:\n"
                + Settings.describe();
          }

          public void execute(Options o, PrintStream out) {
            LocalDate from = o.date("from");
            LocalDate to = to(o, "backfill", from);
            RunConfig config = runConfig(o, from);
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
        });
    commands.put(
        "export",
        new Command() {
          public Set<String> flags() {
            return Set.of(
                "warehouse", "table", "date", "format", "out", "changes-since", "cursor-file");
          }

          public String help() {
            return "usage: cohortwatch export --warehouse DIR --table NAME [--date YYYY-MM-DD]"
                + " --format jsonl|csv --out FILE\n"
                + "       cohortwatch export --warehouse DIR --table account_risk"
                + " --changes-since YYYY-MM-DD|VERSION --format jsonl|csv --out FILE"
                + " [--cursor-file FILE]\n"
                + "Writes one table to one file: the given run_date, else the newest run_date of"
                + " a table that has one, else the whole table.\n"
                + "With --changes-since (account_risk only), writes the moderation feed instead:"
                + " one record per account whose tier or score changed, or which is new, since a"
                + " run date (what runs for later run dates published) or since a Delta version"
                + " of account_risk already read (what was committed after it). The command"
                + " prints the version to pass next time. Schema:"
                + " docs/moderation-feed.schema.json.\n"
                + "  --cursor-file FILE    keeps that version for you: when FILE exists its"
                + " version replaces --changes-since, and after the export FILE holds the new one,"
                + " so a night whose feed failed is delivered the next night (any Hadoop path)\n";
          }

          public void execute(Options o, PrintStream out) {
            String warehouseDir = o.required("warehouse");
            String table = o.required("table");
            LocalDate date = o.optionalDate("date");
            String outFile = o.required("out");
            Exporter.Format format;
            try {
              format = Exporter.Format.valueOf(o.required("format").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
              throw new UsageException("export: --format must be jsonl or csv");
            }
            ModerationFeed.Since since =
                o.has("changes-since")
                    ? ModerationFeed.Since.parse(o.required("changes-since"))
                    : null;
            if (since != null && !table.equals(TableNames.ACCOUNT_RISK)) {
              throw new UsageException(
                  "export: --changes-since works on --table " + TableNames.ACCOUNT_RISK);
            }
            if (since != null && date != null) {
              throw new UsageException("export: give --date or --changes-since, not both");
            }
            String cursorFile = o.has("cursor-file") ? o.required("cursor-file") : null;
            if (cursorFile != null && since == null) {
              throw new UsageException(
                  "export: --cursor-file needs --changes-since (its first-night starting point)");
            }
            withSession(
                "cohortwatch-export " + table,
                spark -> {
                  Warehouse warehouse = new Warehouse(spark, warehouseDir);
                  if (cursorFile != null) {
                    var outcome =
                        com.cohortwatch.pipeline.FeedCursor.export(
                            spark, warehouse, since, cursorFile, format, outFile);
                    ModerationFeed.Result r = outcome.result();
                    out.printf(
                        "exported %d changed flags of %s since %s%s (versions %d..%d) to %s;"
                            + " cursor %s now holds %d%n",
                        r.rows(),
                        table,
                        outcome.since(),
                        outcome.fromCursor() ? " (from the cursor)" : "",
                        r.afterVersion() + 1,
                        r.toVersion(),
                        outFile,
                        cursorFile,
                        r.toVersion());
                    return;
                  }
                  if (since != null) {
                    ModerationFeed.Result r =
                        ModerationFeed.export(spark, warehouse, since, format, outFile);
                    out.printf(
                        "exported %d changed flags of %s since %s (versions %d..%d) to %s;"
                            + " next time: --changes-since %d%n",
                        r.rows(),
                        table,
                        since,
                        r.afterVersion() + 1,
                        r.toVersion(),
                        outFile,
                        r.toVersion());
                    return;
                  }
                  if (!warehouse.exists(table)) {
                    throw new CohortWatchException(
                        "no table '" + table + "' in warehouse " + warehouseDir);
                  }
                  long rows =
                      Exporter.write(Exporter.select(warehouse.read(table), date), format, outFile);
                  out.printf("exported %d rows of %s to %s%n", rows, table, outFile);
                });
          }
        });
    addBacktest();
    addGenerate();
    addEvaluate();
    addReport();
    addRetention();
  }

  private void addBacktest() {
    commands.put(
        "backtest",
        new Command() {
          public Set<String> flags() {
            return Set.of(
                "input",
                "warehouse",
                "scratch",
                "from",
                "to",
                "lookback-days",
                "config",
                "sample-key");
          }

          public String help() {
            return "usage: cohortwatch backtest --input DIR --warehouse DIR --scratch DIR --from"
                + " YYYY-MM-DD --to YYYY-MM-DD [--config FILE] [--conf KEY=VALUE ...]\n"
                + "Rescores the nights --from..--to with the given settings into a scratch"
                + " warehouse (a shallow clone of the published one: the published tables are only"
                + " read) and prints, against the published scores of the same nights: accounts"
                + " and clusters newly flagged and no longer flagged (high or critical), account"
                + " tier moves, and the flag precision of both against review decisions.\n"
                + RUN_FLAGS_HELP
                + "  --warehouse DIR       the published warehouse (only read)\n"
                + "  --scratch DIR         where the rescored tables go (replaced on every"
                + " backtest; outside --warehouse)\n"
                + "settings:\n"
                + Settings.describe();
          }

          public void execute(Options o, PrintStream out) {
            LocalDate from = o.date("from");
            LocalDate to = to(o, "backtest", from);
            String scratch = o.required("scratch");
            RunConfig config = runConfig(o, from);
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
        });
  }

  private void addReport() {
    commands.put(
        "report",
        new Command() {
          public Set<String> flags() {
            return Set.of("warehouse", "date", "out", "top", "lookback-days");
          }

          public String help() {
            return "usage: cohortwatch report --warehouse DIR [--date YYYY-MM-DD] --out FILE.html"
                + " [--top 10] [--lookback-days 30]\n"
                + "Writes one self-contained HTML page (inline CSS and SVG; opens without a"
                + " network) for one run date: the run's rows read / quarantined / written per"
                + " table, quarantine reasons and stage timings; the risk score histogram and"
                + " accounts per tier; and the top clusters, each as a graph of its accounts and"
                + " the attributes they share, with its members' logins by UTC hour against their"
                + " claimed timezones' office hours and the fitted working-hours timezone.\n"
                + "  --date YYYY-MM-DD     run date (default: the newest with a succeeded run)\n"
                + "  --out FILE            the HTML file to write (any Hadoop path)\n"
                + "  --top N               clusters drawn, highest risk first (default "
                + Report.DEFAULT_TOP
                + ", at most "
                + ReportData.MAX_TOP
                + ")\n"
                + "  --lookback-days N     days of logins in the heatmaps, ending on the run date"
                + " (default 30)\n";
          }

          public void execute(Options o, PrintStream out) {
            String warehouseDir = o.required("warehouse");
            String outFile = o.required("out");
            LocalDate date = o.optionalDate("date");
            int top = o.positiveInt("top", Report.DEFAULT_TOP);
            if (top > ReportData.MAX_TOP) {
              throw new UsageException(
                  "report: --top must be at most " + ReportData.MAX_TOP + ", got " + top);
            }
            int lookback = o.positiveInt("lookback-days", 30);
            withSession(
                "cohortwatch-report",
                spark -> {
                  var result =
                      Report.write(
                          spark, new Report.Request(warehouseDir, date, top, lookback, outFile));
                  out.printf(
                      "wrote report for run_date %s to %s (%d clusters drawn, %d bytes)%n",
                      result.runDate(), result.path(), result.clustersDrawn(), result.bytes());
                });
          }
        });
  }

  private static final String VACUUM_HELP =
      "  --vacuum-retention-hours H   VACUUM keeps files newer than this for readers and time"
          + " travel (default "
          + Retention.DEFAULT_VACUUM_RETENTION_HOURS
          + ", Delta's own); the deleted rows are physically gone only once it has passed\n";

  private void addRetention() {
    commands.put(
        "purge",
        new Command() {
          public Set<String> flags() {
            return Set.of("warehouse", "before", "vacuum-retention-hours");
          }

          public String help() {
            return "usage: cohortwatch purge --warehouse DIR --before YYYY-MM-DD"
                + " [--vacuum-retention-hours H]\n"
                + "Deletes bronze login events, rollups, quarantine and gold rows dated before"
                + " --before (Delta DELETE), then VACUUMs those tables.\n"
                + VACUUM_HELP;
          }

          public void execute(Options o, PrintStream out) {
            String warehouseDir = o.required("warehouse");
            LocalDate before = o.date("before");
            int hours =
                o.nonNegativeInt(
                    "vacuum-retention-hours", Retention.DEFAULT_VACUUM_RETENTION_HOURS);
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
        });
    commands.put(
        "erase",
        new Command() {
          public Set<String> flags() {
            return Set.of("warehouse", "account", "vacuum-retention-hours");
          }

          public String help() {
            return "usage: cohortwatch erase --warehouse DIR --account ID"
                + " [--vacuum-retention-hours H]\n"
                + "Removes one account from every table that names it (through a one-row table, so"
                + " no Delta commit log names it), records a hash of its id so later ingestion"
                + " drops its records, then VACUUMs every table (docs/THREAT-MODEL.md says what"
                + " remains until the retention has passed).\n"
                + VACUUM_HELP;
          }

          public void execute(Options o, PrintStream out) {
            String warehouseDir = o.required("warehouse");
            String account = o.required("account");
            int hours =
                o.nonNegativeInt(
                    "vacuum-retention-hours", Retention.DEFAULT_VACUUM_RETENTION_HOURS);
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
        });
  }

  /**
   * Runs a writer holding the warehouse lock: a second writer (or a VACUUM during a run) fails at
   * once instead of deleting files a run has not committed yet or undoing an erasure.
   */
  private static void locked(SparkSession spark, String warehouse, String command, Runnable body) {
    try (WarehouseLock lock =
        WarehouseLock.acquire(spark.sparkContext().hadoopConfiguration(), warehouse, command)) {
      body.run();
    }
  }

  private static Warehouse requireWarehouse(SparkSession spark, String dir) {
    Warehouse warehouse = new Warehouse(spark, dir);
    if (!warehouse.exists(com.cohortwatch.schema.TableNames.RUN_METRICS)) {
      throw new CohortWatchException("no CohortWatch warehouse at " + dir + " (no run_metrics)");
    }
    return warehouse;
  }

  private static void printRemoved(
      PrintStream out, String what, Map<String, Long> removed, int hours) {
    long total = removed.values().stream().mapToLong(Long::longValue).sum();
    out.printf("%s: %d rows removed%n", what, total);
    removed.forEach((table, n) -> out.printf("  %-16s %10d%n", table, n));
    out.printf("vacuumed with a retention of %d hours%n", hours);
  }

  private void addGenerate() {
    commands.put(
        "generate",
        new Command() {
          public Set<String> flags() {
            return com.cohortwatch.generate.GeneratorConfig.FLAGS;
          }

          public String help() {
            return com.cohortwatch.generate.GeneratorConfig.HELP;
          }

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
        });
  }

  private void addEvaluate() {
    commands.put(
        "evaluate",
        new Command() {
          public Set<String> flags() {
            return Set.of("truth", "warehouse", "date");
          }

          public String help() {
            return "usage: cohortwatch evaluate --truth DIR --warehouse DIR [--date YYYY-MM-DD]\n"
                + "Scores account_risk (newest run_date, or --date) against the generator's"
                + " truth/accounts.csv: average precision, precision and recall at high+critical,"
                + " false-positive rate per benign kind, rings recovered, recall per ring style.\n"
                + "  --truth DIR   the generator's output folder or its truth/ folder\n";
          }

          public void execute(Options o, PrintStream out) {
            String truthDir = o.required("truth").replaceAll("/+$", "");
            String warehouseDir = o.required("warehouse");
            LocalDate date = o.optionalDate("date");
            withSession(
                "cohortwatch-evaluate",
                spark -> {
                  String truthFile =
                      truthDir.endsWith("truth")
                          ? truthDir + "/accounts.csv"
                          : truthDir + "/truth/accounts.csv";
                  if (!com.cohortwatch.io.InputFiles.exists(
                      spark.sparkContext().hadoopConfiguration(), truthFile)) {
                    throw new CohortWatchException("no truth file at " + truthFile);
                  }
                  Warehouse warehouse = new Warehouse(spark, warehouseDir);
                  if (!warehouse.exists(com.cohortwatch.schema.TableNames.ACCOUNT_RISK)) {
                    throw new CohortWatchException("no account_risk table in " + warehouseDir);
                  }
                  var truth = spark.read().option("header", "true").csv(truthFile);
                  var risk =
                      Exporter.select(
                          warehouse.read(com.cohortwatch.schema.TableNames.ACCOUNT_RISK), date);
                  out.println(com.cohortwatch.eval.Evaluation.evaluate(truth, risk).format());
                });
          }
        });
  }

  /** --to of a date range, which must not be before --from. */
  private static LocalDate to(Options o, String command, LocalDate from) {
    LocalDate to = o.date("to");
    if (to.isBefore(from)) {
      throw new UsageException(command + ": --to " + to + " is before --from " + from);
    }
    return to;
  }

  static RunConfig runConfig(Options o, LocalDate date) {
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

  /** Writes the --summary-json file; returns where it landed. */
  static String writeSummary(
      SparkSession spark,
      String file,
      RunMetrics metrics,
      java.time.Instant started,
      RuntimeException failure) {
    String json =
        metrics
            .finalRow()
            .map(com.cohortwatch.metrics.RunSummaryJson::of)
            .orElseGet(
                () ->
                    com.cohortwatch.metrics.RunSummaryJson.failedBeforeStart(
                        metrics.command(),
                        metrics.runDate(),
                        started,
                        failure == null ? null : oneLine(String.valueOf(failure.getMessage()))));
    return com.cohortwatch.io.TextFile.write(spark.sparkContext().hadoopConfiguration(), file, json)
        .path();
  }

  private static void printSummary(PrintStream out, RunMetrics metrics) {
    out.println(metrics.summaryTable());
  }

  interface SparkBody {
    void accept(SparkSession spark);
  }

  static void withSession(String appName, SparkBody body) {
    SparkSession spark = Sessions.forCli(appName);
    try {
      body.accept(spark);
    } finally {
      spark.stop();
    }
  }

  /** One line per command for the top-level help, in the order the commands were added. */
  private static final Map<String, String> SUMMARIES =
      Map.ofEntries(
          Map.entry("run", "ingest the landed logins, score one date, publish the gold tables"),
          Map.entry("backfill", "the nightly run of every date in a range, in order"),
          Map.entry(
              "backtest",
              "rescore past dates into a scratch warehouse and compare with what was published"),
          Map.entry("export", "one table, or the moderation feed of changed flags, to a file"),
          Map.entry("generate", "synthetic platform data with known rings, for tests and demos"),
          Map.entry("evaluate", "detection quality of account_risk against generated truth"),
          Map.entry("report", "a self-contained HTML report of one run date"),
          Map.entry("purge", "delete rows dated before a date and VACUUM (retention)"),
          Map.entry("erase", "remove one account from every table (erasure request)"));

  Set<String> commandNames() {
    return commands.keySet();
  }

  /** The flags a command accepts; every command also takes --conf and --help. */
  Set<String> flagsOf(String command) {
    Set<String> flags = new java.util.TreeSet<>(commands.get(command).flags());
    flags.add("conf");
    return flags;
  }

  private String usage() {
    StringBuilder sb =
        new StringBuilder(
            "usage: cohortwatch <command> [flags]   (cohortwatch <command> --help)\ncommands:\n");
    commands
        .keySet()
        .forEach(c -> sb.append(String.format("  %-9s %s%n", c, SUMMARIES.getOrDefault(c, ""))));
    sb.append(
        "  --version print the versions of CohortWatch, Spark and Delta Lake and the git commit\n");
    sb.append(
        "debugging: COHORTWATCH_DEBUG=1 prints the stack trace of a failure;"
            + " COHORTWATCH_JAVA_OPTS=-Dcohortwatch.ui=true opens the Spark UI (README,"
            + " \"Debugging\")");
    return sb.toString();
  }

  /** Runs one command line; returns the exit code. */
  int execute(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.println(usage());
      return 2;
    }
    if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      out.println(usage());
      return 0;
    }
    if (args[0].equals("--version") || args[0].equals("version")) {
      out.println(BuildInfo.load().describe());
      return 0;
    }
    Command command = commands.get(args[0]);
    if (command == null) {
      err.println(
          "cohortwatch: unknown command '"
              + args[0]
              + "'; commands: "
              + String.join(", ", commands.keySet()));
      return 2;
    }
    try {
      List<String> rest = Arrays.asList(args).subList(1, args.length);
      Options options = Options.parse(args[0], rest, command.flags());
      if (options.help()) {
        out.println(command.help());
        return 0;
      }
      command.execute(options, out);
      return 0;
    } catch (UsageException e) {
      err.println("cohortwatch " + e.getMessage());
      return 2;
    } catch (CohortWatchException e) {
      LOG.debug("failure", e);
      err.println("cohortwatch " + args[0] + " failed: " + oneLine(e.getMessage()));
      return 1;
    } catch (RuntimeException | Error e) {
      LOG.debug("unexpected failure", e);
      err.println(
          "cohortwatch "
              + args[0]
              + " failed: "
              + e.getClass().getSimpleName()
              + ": "
              + oneLine(String.valueOf(e.getMessage())));
      if (System.getenv("COHORTWATCH_DEBUG") != null) {
        e.printStackTrace(err);
      }
      return 1;
    }
  }

  static String oneLine(String message) {
    String m = message == null ? "" : message.strip();
    int nl = m.indexOf('\n');
    m = nl >= 0 ? m.substring(0, nl) : m;
    return m.length() > 400 ? m.substring(0, 400) + "..." : m;
  }

  public static void main(String[] args) {
    int code = new Main().execute(args, System.out, System.err);
    System.exit(code);
  }
}
