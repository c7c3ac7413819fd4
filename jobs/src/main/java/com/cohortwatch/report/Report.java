package com.cohortwatch.report;

import com.cohortwatch.io.TextFile;
import com.cohortwatch.io.Warehouse;
import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The `report` command: query the aggregates, render the page, write the one file. */
public final class Report {
  private static final Logger LOG = LoggerFactory.getLogger(Report.class);

  private Report() {}

  /** Default number of clusters drawn. */
  public static final int DEFAULT_TOP = 10;

  /**
   * @param date the run date, or null for the newest with a succeeded run
   * @param top how many clusters to draw
   * @param lookbackDays the login window of the heatmaps, ending on the run date
   * @param out the HTML file to write
   */
  public record Request(String warehouse, LocalDate date, int top, int lookbackDays, String out) {}

  /** What was written. */
  public record Result(LocalDate runDate, String path, int clustersDrawn, long bytes) {}

  public static Result write(SparkSession spark, Request request) {
    Warehouse warehouse = new Warehouse(spark, request.warehouse());
    LocalDate date = request.date() != null ? request.date() : ReportData.defaultRunDate(warehouse);
    LOG.info("report for run_date {} from {}", date, warehouse.root());
    ReportModel model = ReportData.load(warehouse, date, request.top(), request.lookbackDays());
    String html = HtmlReport.render(model);
    TextFile.Written written =
        TextFile.write(spark.sparkContext().hadoopConfiguration(), request.out(), html);
    LOG.info("wrote {} ({} bytes)", written.path(), written.bytes());
    return new Result(date, written.path(), model.clusters().size(), written.bytes());
  }
}
