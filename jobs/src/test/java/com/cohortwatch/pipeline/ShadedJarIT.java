package com.cohortwatch.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.io.Warehouse;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command, for real: bin/cohortwatch launches the shaded jar (Delta's service
 * files merged, Java 17 flags) on data-samples/, and the tables it writes are readable Delta.
 */
class ShadedJarIT {
  @TempDir Path dir;

  @Test
  void launcherRunsTheShadedJarOnTheSamples() throws IOException, InterruptedException {
    Path root = SharedSpark.repoRoot();
    Path warehouse = dir.resolve("wh");
    Path log = dir.resolve("out.txt");
    Process p =
        new ProcessBuilder(
                root.resolve("bin/cohortwatch").toString(),
                "run",
                "--input",
                root.resolve("data-samples").toString(),
                "--warehouse",
                warehouse.toString(),
                "--date",
                "2026-11-20")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(p.waitFor(8, TimeUnit.MINUTES)).isTrue();
    String out = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("read").contains("rejected").contains("written").contains("logins");
    assertThat(out).doesNotContain("building"); // the jar was fresh from `package`
    Warehouse w = new Warehouse(SharedSpark.spark(), warehouse.toString());
    assertThat(w.read("logins").count()).isPositive();
    assertThat(w.read(TableNames.ACCOUNT_RISK).count()).isPositive();
    assertThat(w.read(TableNames.QUARANTINE).count()).isPositive();
    assertThat(
            w.read(TableNames.RUN_METRICS).groupBy("status").count().collectAsList().stream()
                .map(r -> r.getString(0) + "=" + r.getLong(1)))
        .containsExactlyInAnyOrder("started=1", "succeeded=1");
  }
}
