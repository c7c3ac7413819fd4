package com.cohortwatch.testing;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.pipeline.NightlyRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The warehouse made from {@code data-samples/} by two nightly runs (the day before the last, then
 * the last): the notebook, report and feedback tests read it, and a second night gives Delta
 * history and night-to-night changes to look at.
 *
 * <p>Built once per Maven build, not once per test JVM: the forks share it through a file lock in
 * target/, and a marker holding the build's id says it is complete and current. Tests only read it
 * (FeedbackLoopTest copies it before writing).
 */
public final class SampleWarehouse {
  public static final LocalDate PREVIOUS_NIGHT = LocalDate.of(2026, 11, 19);
  public static final LocalDate LAST_NIGHT = LocalDate.of(2026, 11, 20);

  private static final String COMPLETE = "_complete";
  private static Path root;

  private SampleWarehouse() {}

  /** The warehouse root, after both runs have succeeded. */
  public static synchronized Path path() {
    if (root == null) {
      try {
        root = buildOrReuse();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return root;
  }

  private static Path buildOrReuse() throws IOException {
    String buildId = System.getProperty("cohortwatch.build.id");
    if (buildId == null || buildId.isBlank()) {
      // Outside Maven (an IDE run): a private one, as nothing says a shared one is current.
      Path dir = Files.createTempDirectory("cohortwatch-sample-warehouse");
      build(dir);
      return dir;
    }
    Path shared = Paths.get("target", "sample-warehouse").toAbsolutePath();
    Files.createDirectories(shared.getParent());
    try (FileChannel lockFile =
            FileChannel.open(
                shared.resolveSibling("sample-warehouse.lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      Path marker = shared.resolve(COMPLETE);
      if (Files.exists(marker)
          && Files.readString(marker, StandardCharsets.UTF_8).equals(buildId)) {
        return shared;
      }
      deleteRecursively(shared);
      Files.createDirectories(shared);
      build(shared);
      Files.writeString(marker, buildId, StandardCharsets.UTF_8);
      return shared;
    }
  }

  private static void build(Path dir) {
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
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
