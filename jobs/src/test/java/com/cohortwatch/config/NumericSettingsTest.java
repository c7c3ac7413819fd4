package com.cohortwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.UsageException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A numeric setting that compares false with everything (NaN) would switch its check off. */
class NumericSettingsTest {
  @Test
  void nanInfinitiesAndSharesOutOfRangeAreRefused() {
    for (String bad : new String[] {"NaN", "Infinity", "-Infinity", "1e400", "1.5", "-0.1"}) {
      assertThatThrownBy(() -> Settings.resolve(null, Map.of("ingest.max-bad-share", bad)))
          .as(bad)
          .isInstanceOf(UsageException.class)
          .hasMessageContaining("ingest.max-bad-share");
    }
    assertThatThrownBy(() -> Settings.resolve(null, Map.of("link.star-weight", "NaN")))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> Settings.resolve(null, Map.of("ingest.snapshot-max-shrink", "NaN")))
        .isInstanceOf(UsageException.class);
    assertThatThrownBy(
            () -> Settings.resolve(null, Map.of("ingest.snapshot-shrink-action", "ignore")))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("fail or warn");
    assertThat(Settings.defaults().getDouble(Settings.SNAPSHOT_MAX_SHRINK)).isEqualTo(0.5);
    assertThat(Settings.defaults().get(Settings.SNAPSHOT_SHRINK_ACTION)).isEqualTo("fail");
  }
}
