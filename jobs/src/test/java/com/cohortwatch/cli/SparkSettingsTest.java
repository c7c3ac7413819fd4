package com.cohortwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.UsageException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings as a Spark job is configured: spark-submit hands its --conf and spark-defaults.conf to
 * the driver as {@code spark.*} system properties, which is what these tests set. Precedence,
 * weakest first: defaults, spark.cohortwatch.KEY, the --config file, --conf after the command.
 */
class SparkSettingsTest {
  private static final Set<String> RUN_FLAGS =
      Set.of("input", "warehouse", "date", "lookback-days", "config");
  private final List<String> properties = new ArrayList<>();

  private void sparkConf(String key, String value) {
    System.setProperty(Settings.SPARK_PREFIX + key, value);
    properties.add(Settings.SPARK_PREFIX + key);
  }

  @AfterEach
  void clearSparkConf() {
    properties.forEach(System::clearProperty);
  }

  private static Settings resolve(String... extra) {
    List<String> args = new ArrayList<>(List.of("--input", "in", "--warehouse", "w"));
    args.addAll(List.of(extra));
    RunConfig config =
        RunFlags.config(Options.parse("run", args, RUN_FLAGS), LocalDate.parse("2026-11-20"));
    return config.settings();
  }

  @Test
  void eachSourceOverridesTheWeakerOnesKeyByKey(@TempDir Path dir) throws IOException {
    sparkConf("score.tier-high", "0.7");
    sparkConf("link.pair-cap", "70");
    sparkConf("score.tier-critical", "0.9");
    Path file = dir.resolve("cw.jsonc");
    Files.writeString(
        file, "{ \"link\": { \"pair-cap\": 80 }, \"score.tier-critical\": 0.95 } // why: test\n");
    // a file: URI, which java.nio cannot open as a path: the file is read through Hadoop
    Settings s = resolve("--config", file.toUri().toString(), "--conf", "score.tier-critical=0.97");
    assertThat(s.getDouble(Settings.TIER_HIGH)).as("spark conf over default").isEqualTo(0.7);
    assertThat(s.getInt(Settings.PAIR_CAP)).as("--config over spark conf").isEqualTo(80);
    assertThat(s.getDouble(Settings.TIER_CRITICAL)).as("--conf over --config").isEqualTo(0.97);
    assertThat(s.get(Settings.TIER_MEDIUM)).isEqualTo(Settings.TIER_MEDIUM.defaultValue());
  }

  @Test
  void sparkConfAloneConfiguresARun() {
    sparkConf("cluster.max-size", "150");
    assertThat(resolve().getInt(Settings.MAX_CLUSTER_SIZE)).isEqualTo(150);
    assertThat(resolve("--conf", "cluster.max-size=120").getInt(Settings.MAX_CLUSTER_SIZE))
        .isEqualTo(120);
  }

  @Test
  void anUnknownOrBadSettingNamesWhereItCameFrom(@TempDir Path dir) throws IOException {
    sparkConf("score.tier-hihg", "0.7");
    assertThatThrownBy(SparkSettingsTest::resolve)
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("unknown setting 'score.tier-hihg'")
        .hasMessageContaining("spark.cohortwatch.score.tier-hihg in the Spark configuration");
    clearSparkConf();
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{ \"link.pair-cap\": ");
    assertThatThrownBy(() -> resolve("--config", file.toString()))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("is not valid JSON");
    assertThatThrownBy(() -> resolve("--config", dir.resolve("missing.json").toString()))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("config file not found");
  }

  @Test
  void aUsageErrorFromTheSparkConfExitsTwoWithOneLine() {
    sparkConf("no.such", "1");
    var err = new java.io.ByteArrayOutputStream();
    int code =
        new Main()
            .execute(
                new String[] {"run", "--input", "i", "--warehouse", "w", "--date", "2026-11-20"},
                new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                new java.io.PrintStream(err));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().strip()).doesNotContain("\n").contains("spark.cohortwatch.no.such");
  }
}
