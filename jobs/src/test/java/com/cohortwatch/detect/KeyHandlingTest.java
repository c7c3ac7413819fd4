package com.cohortwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.values.Pseudonymizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the HMAC key may come from, how long it must be, and how a warehouse names it. */
class KeyHandlingTest {
  @TempDir Path dir;

  static final String KEY = "0123456789abcdef0123456789abcdef";

  @Test
  void theSampleKeyOnlyWhenAskedForAndEveryOtherKeyAtLeast32Bytes() throws Exception {
    Configuration conf = new Configuration();
    assertThat(Pseudonymizer.resolveKey(null, null, true, conf))
        .isEqualTo(Pseudonymizer.SAMPLE_KEY);
    if (System.getenv(Pseudonymizer.ENV_KEY) == null) {
      assertThatThrownBy(() -> Pseudonymizer.resolveKey(null, null, false, conf))
          .isInstanceOf(CohortWatchException.class)
          .hasMessageContaining(Pseudonymizer.ENV_KEY);
    }
    assertThatThrownBy(() -> Pseudonymizer.resolveKey("short-key", null, false, conf))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("9 bytes; at least 32");
    assertThat(Pseudonymizer.resolveKey(KEY, null, false, conf)).isEqualTo(KEY);
    Path file = dir.resolve("key");
    Files.writeString(file, KEY + "\n");
    if (System.getenv(Pseudonymizer.ENV_KEY) == null) {
      assertThat(Pseudonymizer.resolveKey(null, file.toString(), false, conf)).isEqualTo(KEY);
      assertThatThrownBy(
              () -> Pseudonymizer.resolveKey(null, dir.resolve("nope").toString(), false, conf))
          .hasMessageContaining("cannot read the HMAC key file");
    }
  }

  @Test
  void theFingerprintNamesTheKeyWithoutRevealingItAndAMismatchFailsInOneLine() {
    String fp = Pseudonymizer.fingerprint(KEY);
    assertThat(fp).startsWith("hmac-sha256:").doesNotContain(KEY).hasSize(28);
    assertThat(Pseudonymizer.fingerprint(KEY)).isEqualTo(fp);
    assertThat(Pseudonymizer.fingerprint(KEY + "x")).isNotEqualTo(fp);
    Pseudonymizer.checkFingerprint(fp, KEY, "/wh");
    Pseudonymizer.checkFingerprint(null, KEY, "/wh"); // an older warehouse: recorded now
    assertThatThrownBy(() -> Pseudonymizer.checkFingerprint(fp, KEY + "x", "/wh"))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("warehouse /wh was built with HMAC key " + fp)
        .hasMessageNotContaining("\n");
  }
}
