package com.cohortwatch.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class SessionsTest {
  @Test
  void aSparkSystemPropertyWinsOverTheLocalDefault() {
    Properties none = new Properties();
    String perCore = String.valueOf(Math.max(4, Runtime.getRuntime().availableProcessors() * 4));
    assertThat(Sessions.localDefaults(none))
        .containsEntry("spark.sql.shuffle.partitions", perCore)
        .containsEntry("spark.ui.enabled", "false");

    Properties given = new Properties();
    given.setProperty("spark.sql.shuffle.partitions", "64");
    given.setProperty("cohortwatch.ui", "true");
    assertThat(Sessions.localDefaults(given))
        .containsEntry("spark.sql.shuffle.partitions", "64")
        .containsEntry("spark.ui.enabled", "true")
        .containsEntry("spark.sql.sources.parallelPartitionDiscovery.parallelism", perCore);
  }
}
