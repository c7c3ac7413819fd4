package com.cohortwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Usage errors never start Spark: exit 2 and one line. */
class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return new Main()
        .execute(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String errText() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void unknownFlagIsOneLineAndExit2() {
    assertThat(run("run", "--input", "x", "--bogus", "1")).isEqualTo(2);
    assertThat(errText()).contains("unknown flag --bogus").doesNotContain("\tat ");
    assertThat(errText().strip().lines().count()).isEqualTo(1);
  }

  @Test
  void missingArgumentIsExit2() {
    assertThat(run("run", "--input", "x", "--warehouse", "y")).isEqualTo(2);
    assertThat(errText()).contains("missing required --date");
  }

  @Test
  void badDateIsExit2() {
    assertThat(run("run", "--input", "x", "--warehouse", "y", "--date", "2026-02-30")).isEqualTo(2);
    assertThat(errText()).contains("--date must be YYYY-MM-DD");
  }

  @Test
  void unknownSettingIsExit2() {
    assertThat(
            run(
                "run",
                "--input",
                "x",
                "--warehouse",
                "y",
                "--date",
                "2026-01-01",
                "--conf",
                "no.such=1"))
        .isEqualTo(2);
    assertThat(errText()).contains("unknown setting 'no.such'");
  }

  @Test
  void everyCommandHasHelp() {
    for (String command :
        new String[] {
          "run", "backfill", "export", "generate", "evaluate", "purge", "erase", "report"
        }) {
      out.reset();
      assertThat(run(command, "--help")).as(command).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8))
          .as(command)
          .contains("usage: cohortwatch " + command);
    }
  }

  @Test
  void unknownCommandIsExit2() {
    assertThat(run("explode")).isEqualTo(2);
    assertThat(run()).isEqualTo(2);
  }
}
