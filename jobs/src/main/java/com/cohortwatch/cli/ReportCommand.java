package com.cohortwatch.cli;

import static com.cohortwatch.cli.CommandSupport.withSession;

import com.cohortwatch.UsageException;
import com.cohortwatch.report.Report;
import com.cohortwatch.report.ReportData;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Set;

/** {@code cohortwatch report}: one self-contained HTML page of one run date. */
final class ReportCommand implements Command {
  @Override
  public String name() {
    return "report";
  }

  @Override
  public String summary() {
    return "a self-contained HTML report of one run date";
  }

  @Override
  public Set<String> flags() {
    return Set.of("warehouse", "date", "out", "top", "lookback-days");
  }

  @Override
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

  @Override
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
              Report.write(spark, new Report.Request(warehouseDir, date, top, lookback, outFile));
          out.printf(
              "wrote report for run_date %s to %s (%d clusters drawn, %d bytes)%n",
              result.runDate(), result.path(), result.clustersDrawn(), result.bytes());
        });
  }
}
