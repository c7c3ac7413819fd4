package com.cohortwatch.testing;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.pipeline.NightlyRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;

/**
 * The warehouse made from {@code data-samples/} by two nightly runs (the day before the last, then
 * the last), built once per test JVM: the notebook and report tests query it, and a second night
 * gives Delta history and night-to-night changes to look at.
 */
public final class SampleWarehouse {
  public static final LocalDate PREVIOUS_NIGHT = LocalDate.of(2026, 11, 19);
  public static final LocalDate LAST_NIGHT = LocalDate.of(2026, 11, 20);

  private static Path root;

  private SampleWarehouse() {}

  /** The warehouse root, after both runs have succeeded. */
  public static synchronized Path path() {
    if (root == null) {
      try {
        Path dir = Files.createTempDirectory("cohortwatch-sample-warehouse");
        RunConfig config =
            new RunConfig(
                SharedSpark.repoRoot().resolve("data-samples").toString(),
                dir.toString(),
                PREVIOUS_NIGHT,
                30,
                Settings.resolve(null, Map.of()),
                true);
        NightlyRun.run(SharedSpark.spark(), config);
        NightlyRun.run(SharedSpark.spark(), config.withRunDate(LAST_NIGHT));
        root = dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return root;
  }
}
