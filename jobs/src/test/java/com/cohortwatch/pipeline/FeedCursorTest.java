package com.cohortwatch.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.io.Exporter;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.testing.SampleWarehouse;
import com.cohortwatch.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feed's cursor on the sample warehouse (read only): the first night starts from the date,
 * writes the version reached; the next night starts from that version, so nothing is skipped and
 * nothing already delivered comes again.
 */
class FeedCursorTest {
  @Test
  void theCursorCarriesTheVersionFromOneNightToTheNext(@TempDir Path dir) throws Exception {
    Warehouse warehouse = new Warehouse(SharedSpark.spark(), SampleWarehouse.path().toString());
    String cursor = dir.resolve("moderation-feed/_cursor").toUri().toString();
    ModerationFeed.Since firstNight = ModerationFeed.Since.date(SampleWarehouse.PREVIOUS_NIGHT);

    FeedCursor.Outcome first =
        FeedCursor.export(
            SharedSpark.spark(),
            warehouse,
            firstNight,
            cursor,
            Exporter.Format.JSONL,
            dir.resolve("moderation-feed/1.jsonl").toString());
    assertThat(first.fromCursor()).isFalse();
    assertThat(first.result().rows()).isPositive();
    assertThat(Files.readString(dir.resolve("moderation-feed/_cursor")).strip())
        .isEqualTo(String.valueOf(first.result().toVersion()));

    // next night, same (stale) --changes-since: the cursor wins, and nothing new was published
    FeedCursor.Outcome second =
        FeedCursor.export(
            SharedSpark.spark(),
            warehouse,
            firstNight,
            cursor,
            Exporter.Format.JSONL,
            dir.resolve("moderation-feed/2.jsonl").toString());
    assertThat(second.fromCursor()).isTrue();
    assertThat(second.since().version()).isEqualTo(first.result().toVersion());
    assertThat(second.result().afterVersion()).isEqualTo(first.result().toVersion());
    assertThat(second.result().rows()).isZero();
  }

  @Test
  void aCursorFileThatHoldsNoVersionIsAClearError(@TempDir Path dir) throws Exception {
    Path cursor = dir.resolve("_cursor");
    Files.writeString(cursor, "2026-11-19\n");
    assertThatThrownBy(
            () ->
                FeedCursor.read(
                    SharedSpark.spark().sparkContext().hadoopConfiguration(), cursor.toString()))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("does not hold a table version");
    assertThat(
            FeedCursor.read(
                SharedSpark.spark().sparkContext().hadoopConfiguration(),
                dir.resolve("none").toString()))
        .isEmpty();
  }
}
