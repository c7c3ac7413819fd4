package com.cohortwatch.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
}
