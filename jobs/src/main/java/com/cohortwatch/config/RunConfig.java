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
 */
public record RunConfig(
    String input,
    String warehouse,
    LocalDate runDate,
    int lookbackDays,
    Settings settings,
    boolean sampleRun) {

  public RunConfig withRunDate(LocalDate date) {
    return new RunConfig(input, warehouse, date, lookbackDays, settings, sampleRun);
  }

  /** First day of the scoring window. */
  public LocalDate windowStart() {
    return runDate.minusDays(lookbackDays - 1L);
  }
}
