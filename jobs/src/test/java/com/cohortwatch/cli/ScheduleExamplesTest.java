package com.cohortwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The crontab an operator copies: valid cron lines, mail and environment set, every `%` escaped,
 * and every CohortWatch command and flag it uses one the command line accepts.
 */
class ScheduleExamplesTest {
  private static final Path CRONTAB =
      SharedSpark.repoRoot().resolve("jobs/schedule/crontab.example");

  private static List<String> jobLines() throws IOException {
    return Files.readAllLines(CRONTAB).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.matches("^[A-Z_]+=.*"))
        .toList();
  }

  @Test
  void cronLinesAreValidAndMailAndEnvironmentAreSet() throws IOException {
    List<String> lines = Files.readAllLines(CRONTAB);
    assertThat(lines).anyMatch(l -> l.matches("MAILTO=\\S+@\\S+"));
    assertThat(lines).anyMatch(l -> l.startsWith("PATH=") && l.contains("/usr/bin"));
    assertThat(lines).anyMatch(l -> l.equals("SHELL=/bin/bash"));
    List<String> jobs = jobLines();
    assertThat(jobs).hasSize(2);
    for (String job : jobs) {
      String[] fields = job.split("\\s+", 6);
      for (int i = 0; i < 5; i++) {
        assertThat(fields[i]).as("time field %d of %s", i, job).matches("[0-9*,/-]+");
      }
      // cron turns an unescaped % into a newline
      assertThat(job.replace("\\%", "")).doesNotContain("%");
      // the secret comes from the environment file, never from the crontab
      assertThat(job).contains(". /etc/cohortwatch/env").doesNotContain("HMAC_KEY=");
    }
  }

  @Test
  void everyCommandAndFlagIsOneTheCommandLineAccepts() throws IOException {
    Main main = new Main();
    Matcher m =
        Pattern.compile("\\$CW_JAR ([a-z]+)((?: --[a-z-]+ \\S+)+)")
            .matcher(String.join("\n", jobLines()));
    List<String> seen = new ArrayList<>();
    while (m.find()) {
      String command = m.group(1);
      assertThat(main.commandNames()).contains(command);
      Matcher flags = Pattern.compile("--([a-z-]+)").matcher(m.group(2));
      while (flags.find()) {
        assertThat(main.flagsOf(command))
            .as("%s --%s", command, flags.group(1))
            .contains(flags.group(1));
      }
      seen.add(command);
    }
    assertThat(seen).containsExactly("run", "export", "report", "purge");
  }
}
