package com.cohortwatch.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Stream;

/** Folder trees for tests: input folders and warehouses copied before a test changes them. */
public final class TestFiles {
  private TestFiles() {}

  /**
   * Copies a folder tree, keeping file times: Delta reads a commit's time from its log file's, so a
   * copied warehouse time-travels like the original.
   */
  public static void copyTree(Path from, Path to) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(from)) {
      files = walk.toList();
    }
    for (Path f : files) {
      Path target = to.resolve(from.relativize(f).toString());
      if (Files.isDirectory(f)) {
        Files.createDirectories(target);
      } else {
        Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  /**
   * data-samples/ with only the login days up to {@code lastDay} and the {@code days - 1} before
   * it: tests that pay a JVM and Spark start per run (the launcher, a cluster) keep their runs
   * short with fewer landed days, which change nothing they prove.
   */
  public static Path lastDaysOfTheSamples(Path into, LocalDate lastDay, int days)
      throws IOException {
    Path samples = SharedSpark.repoRoot().resolve("data-samples");
    for (String table : List.of("accounts", "payout_methods", "ip_intel", "decisions")) {
      copyTree(samples.resolve(table), into.resolve(table));
    }
    for (int d = 0; d < days; d++) {
      String day = "logins/date=" + lastDay.minusDays(d);
      copyTree(samples.resolve(day), into.resolve(day));
    }
    return into;
  }
}
