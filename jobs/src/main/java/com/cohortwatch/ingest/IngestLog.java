package com.cohortwatch.ingest;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.io.InputFiles;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The ingest log: which landed login days are done, with their file count and size, so the next run
 * reads only new or changed days ({@link InputDiscovery#loginDaysToIngest}).
 */
public final class IngestLog {
  private IngestLog() {}

  /**
   * Marks login days as done. Called only after everything derived from them (the rollups) is
   * committed: a run killed before this point re-ingests the same days on its rerun, so no derived
   * table is left behind its bronze input.
   */
  public static void recordIngestedDays(
      SparkSession spark, RunConfig config, Warehouse warehouse, List<LocalDate> days) {
    if (days.isEmpty()) {
      return;
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Instant ingestedAt = Instant.now();
    TreeMap<LocalDate, String> folders =
        InputFiles.dayFolders(
            conf, InputDiscovery.inputFolder(config) + InputTable.LOGINS.folder());
    List<Row> rows = new ArrayList<>();
    for (LocalDate day : days) {
      InputFiles.Listing l = InputFiles.list(conf, folders.get(day));
      rows.add(
          RowFactory.create(
              Date.valueOf(day),
              (long) l.files().size(),
              l.totalBytes(),
              Date.valueOf(config.runDate()),
              Timestamp.from(ingestedAt)));
    }
    warehouse.ensure(TableNames.INGEST_LOG, Schemas.INGEST_LOG);
    warehouse.replaceWhere(
        TableNames.INGEST_LOG,
        Schemas.INGEST_LOG,
        spark.createDataFrame(rows, Schemas.INGEST_LOG),
        Where.in(Cols.LANDED_DATE, days));
  }
}
