package com.cohortwatch.report;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Everything the HTML report shows, as plain values: small aggregates computed by {@link
 * ReportData}, rendered by {@link HtmlReport} without Spark.
 *
 * @param runDate the run date reported on
 * @param warehouse the warehouse root, as given
 * @param lookbackDays the login window the heatmaps cover, ending on the run date
 * @param runs the run_metrics rows of the run date, newest first
 * @param quarantine rejected records of the run date per table and reason
 * @param scores the risk score distribution of the run date
 * @param clustersScored how many clusters cluster_risk holds for the run date
 * @param clusters the top clusters, highest risk first
 */
public record ReportModel(
    LocalDate runDate,
    String warehouse,
    int lookbackDays,
    List<RunInfo> runs,
    List<QuarantineCount> quarantine,
    ScoreDistribution scores,
    long clustersScored,
    List<ClusterView> clusters) {

  /** One run_metrics row. Maps keep the table order the run recorded. */
  public record RunInfo(
      String runId,
      String command,
      String status,
      Instant startedAt,
      Instant finishedAt,
      String message,
      Map<String, Double> stageSeconds,
      Map<String, Long> rowsRead,
      Map<String, Long> rowsQuarantined,
      Map<String, Long> rowsWritten,
      Long duplicatesDropped,
      Long lateEvents) {}

  public record QuarantineCount(String sourceTable, String reason, long rows) {}

  /**
   * Accounts per score bin ({@link #BINS} equal bins over 0..1, a score of 1 in the last) and per
   * tier.
   */
  public record ScoreDistribution(long[] bins, Map<String, Long> tiers) {
    public static final int BINS = 20;

    public long total() {
      long n = 0;
      for (long b : bins) {
        n += b;
      }
      return n;
    }
  }

  /** A reason code of a cluster's score. */
  public record Reason(String code, String text, Double weight) {}

  /** Members per claimed timezone (null: none claimed). */
  public record ClaimedZone(String timezone, long accounts) {}

  /**
   * One top cluster: its cluster_risk row, its evidence graph, its members' logins per UTC hour
   * over the lookback window, and its members' claimed timezones (the most common, at most {@link
   * ReportData#MAX_ZONES}; {@code zonesTotal} counts them all).
   */
  public record ClusterView(
      String clusterId,
      long size,
      double riskScore,
      String riskTier,
      List<Reason> reasons,
      Long sharedIps,
      Long sharedDevices,
      Long sharedPayouts,
      List<String> claimedCountries,
      Integer workingHoursOffset,
      String workingHoursTimezone,
      Double workingHoursFit,
      ClusterGraph graph,
      long[] loginsByUtcHour,
      List<ClaimedZone> claimedZones,
      long zonesTotal) {}
}
