package com.cohortwatch.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.UsageException;
import com.cohortwatch.io.ChangeFeed;
import com.cohortwatch.io.Exporter;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The moderation feed on a hand-made account_risk that an older release created without a change
 * data feed: the upgrade turns it on, the feed reports exactly the changed accounts, and history
 * that cannot be read gives a clear error.
 */
class ModerationFeedTest {
  static final LocalDate D1 = LocalDate.of(2026, 11, 19);
  static final LocalDate D2 = LocalDate.of(2026, 11, 20);

  @TempDir Path dir;

  static Dataset<Row> rows(LocalDate date, Object[]... accounts) {
    List<Row> list = new ArrayList<>();
    for (Object[] a : accounts) {
      list.add(
          RowFactory.create(
              Date.valueOf(date),
              a[0],
              null,
              a[1],
              a[2],
              null,
              "cw-rules-1.0",
              null,
              null,
              null,
              null,
              null,
              null,
              null));
    }
    return SharedSpark.spark().createDataFrame(list, Schemas.ACCOUNT_RISK);
  }

  static void publish(Warehouse w, LocalDate date, Dataset<Row> rows) {
    w.ensure(TableNames.ACCOUNT_RISK, Schemas.ACCOUNT_RISK, Cols.RUN_DATE);
    w.replaceWhere(
        TableNames.ACCOUNT_RISK,
        Schemas.ACCOUNT_RISK,
        rows,
        Where.equal(Cols.RUN_DATE, date),
        ChangeFeed.commitMetadata(date, "test"));
  }

  Map<String, JsonNode> feed(Warehouse w, ModerationFeed.Since since) throws IOException {
    Path out = dir.resolve("feed-" + since.toString().replace(' ', '-') + ".jsonl");
    ModerationFeed.Result r =
        ModerationFeed.export(SharedSpark.spark(), w, since, Exporter.Format.JSONL, out.toString());
    Map<String, JsonNode> records = new TreeMap<>();
    for (String line : Files.readAllLines(out)) {
      JsonNode n = new ObjectMapper().readTree(line);
      records.put(n.get(Cols.ACCOUNT_ID).asText(), n);
    }
    assertThat(records).hasSize((int) r.rows());
    return records;
  }

  @Test
  void anOlderTableGainsTheChangeFeedAndTheFeedReportsOnlyChanges() throws IOException {
    SparkSession spark = SharedSpark.spark();
    Warehouse w = new Warehouse(spark, dir.resolve("wh").toString());
    // As a release before the feed made it: no change data feed property.
    DeltaTable.createIfNotExists(spark)
        .location(w.path(TableNames.ACCOUNT_RISK))
        .addColumns(Schemas.ACCOUNT_RISK)
        .partitionedBy(Cols.RUN_DATE)
        .execute(); // version 0
    w.replaceWhere(
        TableNames.ACCOUNT_RISK,
        Schemas.ACCOUNT_RISK,
        rows(D1, new Object[] {"a1", 0.1, "low"}, new Object[] {"a2", 0.5, "medium"}),
        Where.equal(Cols.RUN_DATE, D1)); // version 1, no change data
    assertThat(w.properties(TableNames.ACCOUNT_RISK))
        .doesNotContainKey(TableNames.CHANGE_DATA_FEED);

    Dataset<Row> night2 =
        rows(
            D2,
            new Object[] {"a1", 0.7, "high"},
            new Object[] {"a2", 0.5, "medium"},
            new Object[] {"a3", 0.2, "low"});
    publish(w, D2, night2); // ensure sets the property (version 2), the publish is version 3
    assertThat(w.properties(TableNames.ACCOUNT_RISK))
        .containsEntry(TableNames.CHANGE_DATA_FEED, "true");
    publish(w, D2, night2); // a rerun: delete + insert of the same rows, version 4

    Map<String, JsonNode> sinceNight1 = feed(w, ModerationFeed.Since.date(D1));
    assertThat(sinceNight1).containsOnlyKeys("a1", "a3");
    JsonNode a1 = sinceNight1.get("a1");
    assertThat(a1.get(Cols.CHANGE).asText()).isEqualTo(ModerationFeed.CHANGED);
    assertThat(a1.get(Cols.RISK_TIER).asText()).isEqualTo("high");
    assertThat(a1.get(Cols.PREVIOUS_TIER).asText()).isEqualTo("low");
    assertThat(a1.get(Cols.PREVIOUS_SCORE).asDouble()).isEqualTo(0.1);
    assertThat(a1.get(Cols.PREVIOUS_RUN_DATE).asText()).isEqualTo(D1.toString());
    assertThat(a1.get(Cols.TABLE_VERSION).asLong()).isEqualTo(4);
    JsonNode a3 = sinceNight1.get("a3");
    assertThat(a3.get(Cols.CHANGE).asText()).isEqualTo(ModerationFeed.NEW);
    assertThat(a3.get(Cols.PREVIOUS_TIER).isNull()).isTrue();

    assertThat(feed(w, ModerationFeed.Since.version(3))).isEmpty(); // the rerun changed nothing
    assertThat(feed(w, ModerationFeed.Since.date(D2))).isEmpty(); // no run after the last night

    assertThatThrownBy(() -> feed(w, ModerationFeed.Since.version(0)))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("no change data for the versions after 0")
        .hasMessageContaining("enabled later");
    assertThatThrownBy(() -> feed(w, ModerationFeed.Since.version(9)))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("no version 9 (the latest is 4)");

    // What VACUUM does after a purge or an erasure: files that only old versions use are gone
    // (here those the rerun, version 4, replaced).
    Path table = Path.of(w.path(TableNames.ACCOUNT_RISK));
    for (String line : Files.readAllLines(table.resolve("_delta_log/00000000000000000004.json"))) {
      JsonNode remove = new ObjectMapper().readTree(line).get("remove");
      if (remove != null) {
        Files.delete(
            table.resolve(
                java.net.URLDecoder.decode(
                    remove.get("path").asText(), java.nio.charset.StandardCharsets.UTF_8)));
      }
    }
    assertThatThrownBy(() -> feed(w, ModerationFeed.Since.version(3)))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("can no longer be read: its files were removed by VACUUM")
        .hasMessageContaining("export the table in full");
  }

  @Test
  void changesSinceIsADateOrAVersion() {
    assertThat(ModerationFeed.Since.parse("2026-11-19").date()).isEqualTo(D1);
    assertThat(ModerationFeed.Since.parse("42").version()).isEqualTo(42L);
    assertThatThrownBy(() -> ModerationFeed.Since.parse("2026-02-30"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("not a valid date");
    assertThatThrownBy(() -> ModerationFeed.Since.parse("yesterday"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("run date YYYY-MM-DD or a table version number");
  }
}
