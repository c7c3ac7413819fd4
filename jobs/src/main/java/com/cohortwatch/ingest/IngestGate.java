package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.Settings;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The check between reading and writing: every table's records counted by outcome, and the run
 * stopped before its first write when a table's invalid share is over the limit, or when a snapshot
 * export shrank so far that it would wipe its bronze.
 */
final class IngestGate {
  private IngestGate() {}

  /** A table's records by outcome; {@code byReason} holds the rejected ones only. */
  record Counts(long total, long valid, Map<String, Long> byReason) {
    long rejected() {
      return total - valid;
    }
  }

  /**
   * What passed: each table's counts, and the snapshot tables whose shrunk export is set aside
   * (with {@code snapshot.shrink-action=warn}) so that their previous bronze stays.
   */
  record Passed(Map<InputTable, Counts> counts, Set<InputTable> keepPrevious) {}

  /**
   * Counts every table (one aggregate job each; the rows must be persisted) and records the counts
   * in the metrics.
   *
   * @throws CohortWatchException when a table fails a check; nothing has been written then
   */
  static Passed check(
      List<ValidatedTable> tables, Warehouse warehouse, Settings settings, RunMetrics metrics) {
    double maxBadShare = settings.getDouble(Settings.MAX_BAD_SHARE);
    Map<InputTable, Counts> counts = new EnumMap<>(InputTable.class);
    Set<InputTable> keepPrevious = EnumSet.noneOf(InputTable.class);
    for (ValidatedTable v : tables) {
      Counts c = count(v.rows());
      counts.put(v.table(), c);
      metrics.recordRead(v.table().folder(), c.total(), c.rejected(), c.byReason());
      if (c.total() > 0 && (double) c.rejected() / c.total() > maxBadShare) {
        throw new CohortWatchException(
            String.format(
                "input table %s: %d of %d records (%.1f%%) are invalid, over the limit of %.1f%% (%s); nothing was published",
                v.table().folder(),
                c.rejected(),
                c.total(),
                100.0 * c.rejected() / c.total(),
                100 * maxBadShare,
                c.byReason().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(", "))));
      }
      String shrunk = shrunkSnapshot(v.table(), c.valid(), warehouse, settings);
      if (shrunk != null) {
        if (settings.get(Settings.SNAPSHOT_SHRINK_ACTION).equals("fail")) {
          throw new CohortWatchException(
              shrunk
                  + "; nothing was published (--conf "
                  + Settings.SNAPSHOT_SHRINK_ACTION.name()
                  + "=warn goes on with the previous snapshot)");
        }
        metrics.note("WARNING " + shrunk + ": kept the previous bronze " + v.table().folder());
        keepPrevious.add(v.table());
      }
    }
    return new Passed(counts, keepPrevious);
  }

  static Counts count(Dataset<Row> rows) {
    Map<String, Long> byReason = countByReason(rows);
    long total = byReason.values().stream().mapToLong(Long::longValue).sum();
    long valid = byReason.getOrDefault("", 0L);
    byReason.remove("");
    return new Counts(total, valid, byReason);
  }

  /** Records per reason, the valid ones under "". */
  static Map<String, Long> countByReason(Dataset<Row> rows) {
    Map<String, Long> counts = new TreeMap<>();
    for (Row r :
        rows.groupBy(coalesce(col(Cols.REASON), lit("")).as("r")).count().collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    return counts;
  }

  /**
   * Why a snapshot table's new export must not replace its bronze, or null: its valid records fell
   * to none, or by more than the configured share of the rows in bronze. An empty or truncated
   * export would otherwise silently remove every account or payout link.
   */
  static String shrunkSnapshot(
      InputTable table, long valid, Warehouse warehouse, Settings settings) {
    if (table == InputTable.LOGINS || !warehouse.exists(table.folder())) {
      return null;
    }
    long previous = warehouse.read(table.folder()).count();
    double maxShrink = settings.getDouble(Settings.SNAPSHOT_MAX_SHRINK);
    if (previous == 0 || (valid > 0 && valid >= previous * (1 - maxShrink))) {
      return null;
    }
    return String.format(
        "input table %s: %d valid records against %d in bronze, a drop of %.0f%% (limit %s %.0f%%)",
        table.folder(),
        valid,
        previous,
        100.0 * (previous - valid) / previous,
        Settings.SNAPSHOT_MAX_SHRINK.name(),
        100 * maxShrink);
  }
}
