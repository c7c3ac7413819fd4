package com.cohortwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a newcomer sees first: `--version` and the top-level help. Neither starts Spark. */
class FirstStartTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private int run(String... args) {
    return new Main()
        .execute(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  @Test
  void versionNamesCohortWatchSparkDeltaAndTheCommit() {
    assertThat(run("--version")).isZero();
    String text = out.toString(StandardCharsets.UTF_8);
    // the build fills in the commit from git (a clone always has one); Spark and Delta are the
    // versions on the classpath, which the pom pins
    assertThat(text)
        .containsPattern("CohortWatch \\d+\\.\\d+\\.\\d+\\S* \\(git [0-9a-f]{7,}")
        .contains("Spark 3.5.7 (built against 3.5.7)")
        .contains("Delta Lake 3.3.3 (built against 3.3.3)")
        .doesNotContain("${")
        .doesNotContain("unknown");
  }

  @Test
  void topLevelHelpHasOneLineSayingWhatEachCommandDoes() {
    assertThat(run("--help")).isZero();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    for (String command : new Main().commandNames()) {
      assertThat(lines)
          .as(command)
          .anySatisfy(line -> assertThat(line).matches("  " + command + " +[a-z].{20,}"));
    }
    assertThat(lines).anySatisfy(line -> assertThat(line).contains("COHORTWATCH_DEBUG"));
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("  --version"));
  }
}
