package com.cohortwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** export --changes-since: wrong combinations are usage errors found before Spark starts. */
class ExportChangesUsageTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return new Main()
        .execute(
            args,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private static String[] export(String table, String... more) {
    String[] base = {
      "export", "--warehouse", "/nonexistent", "--table", table, "--format", "jsonl", "--out", "x"
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  private String errText() {
    return err.toString(StandardCharsets.UTF_8).strip();
  }

  @Test
  void onlyAccountRiskHasAFeed() {
    assertThat(run(export("cluster_risk", "--changes-since", "2026-11-19"))).isEqualTo(2);
    assertThat(errText())
        .isEqualTo("cohortwatch export: --changes-since works on --table account_risk");
  }

  @Test
  void dateAndChangesSinceExcludeEachOther() {
    assertThat(run(export("account_risk", "--changes-since", "3", "--date", "2026-11-19")))
        .isEqualTo(2);
    assertThat(errText()).contains("give --date or --changes-since, not both");
  }

  @Test
  void aValueThatIsNeitherDateNorVersion() {
    assertThat(run(export("account_risk", "--changes-since", "last-week"))).isEqualTo(2);
    assertThat(errText()).contains("run date YYYY-MM-DD or a table version number");
    assertThat(errText().lines().count()).isEqualTo(1);
  }
}
