package com.cohortwatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The documented config example in jobs/schedule/ stays complete and loadable. */
class ConfigExampleTest {
  static final Path EXAMPLE =
      SharedSpark.repoRoot().resolve("jobs/schedule/cohortwatch.example.jsonc");

  @Test
  void theCommittedExampleIsTheGeneratedOne() throws IOException {
    // When a setting is added, regenerate the file from Settings.exampleConfig().
    assertThat(Files.readString(EXAMPLE, StandardCharsets.UTF_8))
        .isEqualTo(Settings.exampleConfig());
  }

  @Test
  void theExampleLoadsToTheDefaultsAndCommandLineOverridesWin() {
    Settings fromFile = Settings.resolve(EXAMPLE, Map.of());
    Settings defaults = Settings.defaults();
    assertThat(fromFile.getDouble(Settings.TIER_HIGH)).isEqualTo(0.6);
    assertThat(fromFile.get(Settings.EARLIEST_VALID_DATE))
        .isEqualTo(defaults.get(Settings.EARLIEST_VALID_DATE));
    assertThat(fromFile.getInt(Settings.PAIR_CAP)).isEqualTo(defaults.getInt(Settings.PAIR_CAP));
    Settings overridden = Settings.resolve(EXAMPLE, Map.of(Settings.TIER_HIGH.name(), "0.7"));
    assertThat(overridden.getDouble(Settings.TIER_HIGH)).isEqualTo(0.7);
  }

  @Test
  void aCommentedFileChangesOnlyWhatItSets(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("c.jsonc");
    Files.writeString(
        file, "// why: a campus-heavy platform\n{ \"link\": { \"pair-cap\": 80 } /* crowd */ }\n");
    Settings s = Settings.resolve(file, Map.of());
    assertThat(s.getInt(Settings.PAIR_CAP)).isEqualTo(80);
    assertThat(s.getDouble(Settings.TIER_HIGH)).isEqualTo(0.6);
  }
}
