package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.withSession;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.UsageException;
import com.cohortwatch.io.Exporter;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.pipeline.ModerationFeed;
import com.cohortwatch.schema.TableNames;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Set;

/** {@code cohortwatch export}: one table, or the moderation feed of changed flags, to one file. */
final class ExportCommand implements Command {
  @Override
  public String name() {
    return "export";
  }

  @Override
  public String summary() {
    return "one table, or the moderation feed of changed flags, to a file";
  }

  @Override
  public Set<String> flags() {
    return Set.of("warehouse", "table", "date", "format", "out", "changes-since", "cursor-file");
  }

  @Override
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

  @Override
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
        o.has("changes-since") ? ModerationFeed.Since.parse(o.required("changes-since")) : null;
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
            throw new CohortWatchException("no table '" + table + "' in warehouse " + warehouseDir);
          }
          long rows = Exporter.write(Exporter.select(warehouse.read(table), date), format, outFile);
          out.printf("exported %d rows of %s to %s%n", rows, table, outFile);
        });
  }
}
