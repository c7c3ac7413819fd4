package com.cohortwatch.metrics;

import com.cohortwatch.schema.Schemas;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

/**
 * What one run read, rejected and wrote, and how long each stage took. Collected on the driver from
 * aggregates the stages compute anyway; written as one `run_metrics` row and printed as a short
 * table at the end of the run.
 */
public final class RunMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(RunMetrics.class);

  public static final String STARTED = "started";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  private final String runId = UUID.randomUUID().toString();
  private final LocalDate runDate;
  private final String command;
  private final Instant startedAt = Instant.now();
  private final Map<String, Double> stageSeconds = new LinkedHashMap<>();
  private final Map<String, Long> read = new LinkedHashMap<>();
  private final Map<String, Long> quarantined = new LinkedHashMap<>();
  private final Map<String, Long> written = new LinkedHashMap<>();
  private final Map<String, Map<String, Long>> reasons = new LinkedHashMap<>();
  private final List<LocalDate> daysIngested = new ArrayList<>();
  private final Map<String, Long> published = new LinkedHashMap<>();
  private final Map<String, String> unchanged = new LinkedHashMap<>();
  private Long decidedFlags;
  private long confirmedFlags;
  private long duplicatesDropped;
  private long lateEvents;
  private final List<String> notes = new ArrayList<>();
  private Map<String, Double> previousStageSeconds = Map.of();
  private Row finalRow;

  public RunMetrics(LocalDate runDate, String command) {
    this.runDate = runDate;
    this.command = command;
  }

  /** Runs one stage under a Spark job group, so the Spark UI reads like the pipeline. */
  public <T> T stage(SparkSession spark, String name, Supplier<T> body) {
    spark
        .sparkContext()
        .setJobGroup("cohortwatch-" + name, "CohortWatch " + runDate + ": " + name, false);
    Instant start = Instant.now();
    LOG.info("{}", progressLine(name, secondsSince(startedAt, start)));
    try {
      return body.get();
    } finally {
      double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
      stageDone(name, seconds);
      LOG.info("stage {} took {} s", name, String.format("%.1f", seconds));
      spark.sparkContext().clearJobGroup();
    }
  }

  public void stage(SparkSession spark, String name, Runnable body) {
    stage(
        spark,
        name,
        () -> {
          body.run();
          return null;
        });
  }

  /**
   * The stage timings of the previous successful run, from which progress lines estimate the stages
   * to come and the time left; without them a line says only the stage and the time elapsed.
   */
  public void expectStages(Map<String, Double> previous) {
    previousStageSeconds = Map.copyOf(previous);
  }

  /**
   * {@code stage 4/9 link, 12 s elapsed, about 40 s left}: the stage starting now, its place among
   * the previous run's stages, and their remaining time scaled by how fast this run has been so far
   * against the previous one on the stages both completed.
   */
  String progressLine(String name, double elapsed) {
    java.util.Set<String> stages = new java.util.LinkedHashSet<>(previousStageSeconds.keySet());
    stages.addAll(stageSeconds.keySet());
    stages.add(name);
    int index = stageSeconds.containsKey(name) ? stageSeconds.size() : stageSeconds.size() + 1;
    String head =
        previousStageSeconds.isEmpty()
            ? String.format("stage %d %s, %.0f s elapsed", index, name, elapsed)
            : String.format("stage %d/%d %s, %.0f s elapsed", index, stages.size(), name, elapsed);
    if (previousStageSeconds.isEmpty()) {
      return head;
    }
    double donePrevious = 0;
    double doneNow = 0;
    for (Map.Entry<String, Double> e : stageSeconds.entrySet()) {
      Double before = previousStageSeconds.get(e.getKey());
      if (before != null) {
        donePrevious += before;
        doneNow += e.getValue();
      }
    }
    // between half and four times the previous pace: one odd stage must not swing the estimate
    double pace = donePrevious > 1 ? Math.max(0.5, Math.min(4, doneNow / donePrevious)) : 1;
    double left = 0;
    for (Map.Entry<String, Double> e : previousStageSeconds.entrySet()) {
      if (!stageSeconds.containsKey(e.getKey())) {
        left += e.getValue() * pace;
      }
    }
    return String.format("%s, about %.0f s left", head, left);
  }

  void stageDone(String name, double seconds) {
    stageSeconds.merge(name, seconds, Double::sum);
  }

  private static double secondsSince(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  /** The final run_metrics row (succeeded or failed) once written, with its schema. */
  public java.util.Optional<Row> finalRow() {
    return java.util.Optional.ofNullable(finalRow);
  }

  public void recordRead(String table, long rows, long rejected, Map<String, Long> byReason) {
    read.merge(table, rows, Long::sum);
    quarantined.merge(table, rejected, Long::sum);
    byReason.forEach(
        (reason, n) ->
            reasons.computeIfAbsent(table, t -> new LinkedHashMap<>()).merge(reason, n, Long::sum));
  }

  /**
   * A snapshot input whose export the run of {@code ingestedOn} already ingested: not read again,
   * its bronze kept.
   */
  public void recordUnchanged(String table, String ingestedOn) {
    unchanged.put(table, ingestedOn);
  }

  public Map<String, String> unchanged() {
    return unchanged;
  }

  public void recordWritten(String table, long rows) {
    written.merge(table, rows, Long::sum);
  }

  public void recordPublished(String table, long version) {
    published.put(table, version);
  }

  /**
   * Past flags against review decisions: of the accounts flagged high or critical on earlier run
   * dates, {@code decided} got a decision after the flag and {@code confirmed} of them were
   * confirmed.
   */
  public void recordFlagPrecision(long decided, long confirmed) {
    this.decidedFlags = decided;
    this.confirmedFlags = confirmed;
  }

  /** Decided past flags, or null when no decisions were read. */
  public Long decidedFlags() {
    return decidedFlags;
  }

  /** Share of decided past flags that were confirmed; null when none was decided. */
  public Double flagPrecision() {
    return decidedFlags == null || decidedFlags == 0
        ? null
        : (double) confirmedFlags / decidedFlags;
  }

  public void addDuplicatesDropped(long n) {
    duplicatesDropped += n;
  }

  public void addLateEvents(long n) {
    lateEvents += n;
  }

  public void addDaysIngested(List<LocalDate> days) {
    daysIngested.addAll(days);
  }

  public void note(String message) {
    notes.add(message);
    LOG.info("{}", message);
  }

  public Map<String, Long> read() {
    return read;
  }

  public Map<String, Long> quarantined() {
    return quarantined;
  }

  public Map<String, Long> written() {
    return written;
  }

  public Map<String, Map<String, Long>> reasons() {
    return reasons;
  }

  public long duplicatesDropped() {
    return duplicatesDropped;
  }

  public long lateEvents() {
    return lateEvents;
  }

  public List<LocalDate> daysIngested() {
    return daysIngested;
  }

  public String runId() {
    return runId;
  }

  public LocalDate runDate() {
    return runDate;
  }

  public String command() {
    return command;
  }

  /** The run_metrics row for this run with its final status. */
  public Dataset<Row> toRow(SparkSession spark, String status, String message) {
    List<Date> days = new ArrayList<>();
    daysIngested.forEach(d -> days.add(Date.valueOf(d)));
    String fullMessage = message;
    if (!notes.isEmpty()) {
      fullMessage = (message == null ? "" : message + "; ") + String.join("; ", notes);
    }
    Row row =
        RowFactory.create(
            runId,
            Date.valueOf(runDate),
            command,
            Timestamp.from(startedAt),
            STARTED.equals(status) ? null : Timestamp.from(Instant.now()),
            status,
            fullMessage,
            scalaMap(stageSeconds),
            scalaMap(read),
            scalaMap(quarantined),
            scalaMap(written),
            duplicatesDropped,
            lateEvents,
            JavaConverters.asScalaBuffer(days).toSeq(),
            JavaConverters.asScalaBuffer(new ArrayList<>(published.keySet())).toSeq(),
            scalaMap(published),
            flagPrecision(),
            decidedFlags,
            JavaConverters.asScalaBuffer(new ArrayList<>(unchanged.keySet())).toSeq());
    if (!STARTED.equals(status)) {
      finalRow =
          new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(
              asArray(row), Schemas.RUN_METRICS);
    }
    return spark.createDataFrame(List.of(row), Schemas.RUN_METRICS);
  }

  private static Object[] asArray(Row row) {
    Object[] values = new Object[row.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(i);
    }
    return values;
  }

  private static <V> scala.collection.Map<String, V> scalaMap(Map<String, V> map) {
    return JavaConverters.mapAsScalaMap(new LinkedHashMap<>(map));
  }

  /** The short table a run prints at the end: per table read / rejected / written. */
  public String summaryTable() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-16s %12s %12s %12s%n", "table", "read", "rejected", "written"));
    List<String> tables = new ArrayList<>(read.keySet());
    written.keySet().stream().filter(t -> !tables.contains(t)).forEach(tables::add);
    for (String t : tables) {
      sb.append(
          String.format(
              "%-16s %12s %12s %12s%n",
              t,
              read.containsKey(t) ? read.get(t) : "-",
              quarantined.containsKey(t) ? quarantined.get(t) : "-",
              written.containsKey(t) ? written.get(t) : "-"));
    }
    unchanged.forEach(
        (t, since) ->
            sb.append(
                String.format(
                    "%-16s %12s %12s %12s   unchanged export, ingested by the run of %s%n",
                    t, "-", "-", "-", since)));
    reasons.forEach(
        (table, byReason) ->
            byReason.forEach(
                (reason, n) ->
                    sb.append(String.format("  rejected %s: %s = %d%n", table, reason, n))));
    sb.append(
        String.format("duplicates dropped: %d, late events: %d%n", duplicatesDropped, lateEvents));
    if (decidedFlags != null) {
      sb.append(
          decidedFlags == 0
              ? String.format("flag precision: no past high/critical flag has a decision yet%n")
              : String.format(
                  "flag precision: %.3f (%d of %d past high/critical flags with a later decision"
                      + " were confirmed)%n",
                  flagPrecision(), confirmedFlags, decidedFlags));
    }
    sb.append("stage seconds: ");
    stageSeconds.forEach((stage, s) -> sb.append(String.format("%s=%.1f ", stage, s)));
    return sb.toString().stripTrailing();
  }
}
