package com.cohortwatch.ingest;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.io.InputFiles;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.TableNames;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which files of the input folder this run reads: the login days not ingested yet (or changed
 * since), and each snapshot table's export unless it is the one bronze already holds. Lists files
 * and reads the ingest log; reads no records.
 */
final class InputDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(InputDiscovery.class);

  private InputDiscovery() {}

  /**
   * One input table's files to read.
   *
   * @param listings one per file format (login days may differ in format: an export pipeline that
   *     moved from CSV to Parquet)
   * @param landedDays the login days read, or null for a snapshot table
   * @param stamp the snapshot export's stamp, or null for logins
   */
  record Source(
      InputTable table,
      List<InputFiles.Listing> listings,
      List<LocalDate> landedDays,
      String stamp) {}

  /** The input folder, ending in a slash. */
  static String inputFolder(RunConfig config) {
    return config.input().endsWith("/") ? config.input() : config.input() + "/";
  }

  /** The login days to read, in one source; empty when every landed day is ingested already. */
  static Optional<Source> logins(Map<LocalDate, InputFiles.Listing> toIngest) {
    if (toIngest.isEmpty()) {
      return Optional.empty();
    }
    Map<InputFiles.Format, List<String>> byFormat = new EnumMap<>(InputFiles.Format.class);
    toIngest
        .values()
        .forEach(
            l -> byFormat.computeIfAbsent(l.format(), f -> new ArrayList<>()).addAll(l.files()));
    List<InputFiles.Listing> listings = new ArrayList<>();
    byFormat.forEach((format, files) -> listings.add(new InputFiles.Listing(format, files, 0)));
    return Optional.of(
        new Source(InputTable.LOGINS, listings, new ArrayList<>(toIngest.keySet()), null));
  }

  /**
   * A snapshot table's export, or empty when it is absent (a required table then fails the run) or
   * is the export bronze already holds ({@code reuseUnchanged}); either is noted in the metrics.
   */
  static Optional<Source> snapshot(
      InputTable table,
      String folder,
      InputFiles.Listing listing,
      RunConfig config,
      Warehouse warehouse,
      String keyFingerprint,
      boolean reuseUnchanged,
      RunMetrics metrics) {
    if (listing.isEmpty()) {
      if (table.required()) {
        throw new CohortWatchException(
            "required input table " + table.folder() + " has no files under " + folder);
      }
      metrics.note("optional input " + table.folder() + " absent: " + skippedBecause(table));
      return Optional.empty();
    }
    String stamp = SnapshotStamp.of(table, listing, config.settings(), keyFingerprint);
    Optional<String> ingestedBy =
        reuseUnchanged
            ? SnapshotStamp.ingestedBy(warehouse, table.folder(), stamp)
            : Optional.empty();
    if (ingestedBy.isPresent()) {
      LOG.info(
          "{}: the export ({} files, {} bytes) is the one the run of {} ingested; bronze kept",
          table.folder(),
          listing.files().size(),
          listing.totalBytes(),
          ingestedBy.get());
      metrics.recordUnchanged(table.folder(), ingestedBy.get());
      return Optional.empty();
    }
    return Optional.of(new Source(table, List.of(listing), null, stamp));
  }

  private static String skippedBecause(InputTable table) {
    return switch (table) {
      case IP_INTEL -> "IP enrichment (usage type, IP country) is skipped";
      case PAYOUT_METHODS -> "no payout links";
      case DECISIONS -> "no moderation feedback";
      default -> "";
    };
  }

  /**
   * Landed days up to the run date that are not ingested yet, or whose files changed since (late
   * files added to an old folder); the run date itself is always (re)ingested.
   */
  static Map<LocalDate, InputFiles.Listing> loginDaysToIngest(
      Configuration conf, String loginsFolder, RunConfig config, Warehouse warehouse) {
    TreeMap<LocalDate, String> folders = InputFiles.dayFolders(conf, loginsFolder);
    if (folders.isEmpty()) {
      throw new CohortWatchException(
          "required input table logins has no date=YYYY-MM-DD folders under " + loginsFolder);
    }
    Map<LocalDate, long[]> logged = new TreeMap<>();
    if (warehouse.exists(TableNames.INGEST_LOG)) {
      for (Row r : warehouse.read(TableNames.INGEST_LOG).collectAsList()) {
        logged.put(r.getDate(0).toLocalDate(), new long[] {r.getLong(1), r.getLong(2)});
      }
    }
    if (folders.firstKey().isAfter(config.runDate())) {
      throw new CohortWatchException(
          "run date "
              + config.runDate()
              + " is before the earliest login data ("
              + folders.firstKey()
              + "): nothing to score");
    }
    Map<LocalDate, InputFiles.Listing> result = new LinkedHashMap<>();
    for (Map.Entry<LocalDate, String> day : folders.headMap(config.runDate(), true).entrySet()) {
      InputFiles.Listing listing = InputFiles.list(conf, day.getValue());
      long[] before = logged.get(day.getKey());
      boolean changed =
          before == null
              || before[0] != listing.files().size()
              || before[1] != listing.totalBytes();
      if (day.getKey().equals(config.runDate()) || changed) {
        result.put(day.getKey(), listing);
      }
    }
    result.values().removeIf(InputFiles.Listing::isEmpty);
    return result;
  }
}
