package com.cohortwatch.config;

import java.time.LocalDate;

/**
 * One nightly run, resolved from the command line: where to read, where to write, which date.
 *
 * @param input the input root (contract layout); any Hadoop path (file:, hdfs:, s3a:)
 * @param warehouse the Delta warehouse root
 * @param runDate the run date: logins landed up to it are ingested, gold rows carry it
 * @param lookbackDays the scoring window ending on runDate
 * @param sampleRun true when asked for explicitly ({@code --sample-key}): the public sample HMAC
 *     key, for the committed data-samples/ only
 * @param fullRecompute true when asked for ({@code --full-recompute}): every snapshot export is
 *     read again and the rollups are rebuilt from bronze, for recovery and after a change of the
 *     rules that made them
 */
public record RunConfig(
    String input,
    String warehouse,
    LocalDate runDate,
    int lookbackDays,
    Settings settings,
    boolean sampleRun,
    boolean fullRecompute) {

  /** A run that carries what earlier runs built forward (no --full-recompute). */
  public RunConfig(
      String input,
      String warehouse,
      LocalDate runDate,
      int lookbackDays,
      Settings settings,
      boolean sampleRun) {
    this(input, warehouse, runDate, lookbackDays, settings, sampleRun, false);
  }

  public RunConfig withRunDate(LocalDate date) {
    return new RunConfig(input, warehouse, date, lookbackDays, settings, sampleRun, fullRecompute);
  }

  /** First day of the scoring window. */
  public LocalDate windowStart() {
    return runDate.minusDays(lookbackDays - 1L);
  }
}
