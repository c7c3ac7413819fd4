package com.cohortwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The key never on the command line; the sample key only by an explicit flag. */
class KeyFlagsTest {
  @Test
  void theCommandLineRefusesTheKeyAndNamesTheWaysThatWork() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Main()
            .execute(
                new String[] {
                  "run",
                  "--input",
                  "in",
                  "--warehouse",
                  "wh",
                  "--date",
                  "2026-11-20",
                  "--conf",
                  "privacy.hmac-key=0123456789abcdef0123456789abcdef"
                },
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("COHORTWATCH_HMAC_KEY")
        .contains("privacy.hmac-key-file")
        .doesNotContain("0123456789abcdef");
  }

  @Test
  void sampleKeyIsASwitch() {
    Options o =
        Options.parse(
            "run",
            java.util.List.of("--input", "data-samples", "--sample-key", "--date", "2026-11-20"),
            java.util.Set.of("input", "date", "sample-key"));
    assertThat(o.has("sample-key")).isTrue();
    assertThat(o.required("date")).isEqualTo("2026-11-20");
    Options without =
        Options.parse(
            "run",
            java.util.List.of("--input", "data-samples"),
            java.util.Set.of("input", "sample-key"));
    assertThat(without.has("sample-key")).isFalse();
  }
}
