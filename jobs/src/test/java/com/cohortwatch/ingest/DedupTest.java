package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class DedupTest {
  private static Dataset<Row> keys(List<String> keys) {
    return SharedSpark.spark().createDataset(keys, Encoders.STRING()).toDF(Cols.EVENT_KEY);
  }

  private static Set<String> anti(Dataset<Row> batch, Dataset<Row> earlier) {
    Set<String> kept = new TreeSet<>();
    batch
        .join(earlier, batch.col(Cols.EVENT_KEY).equalTo(earlier.col(Cols.EVENT_KEY)), "left_anti")
        .collectAsList()
        .forEach(r -> kept.add(r.getString(0)));
    return kept;
  }

  @Test
  void bloomPrefilterKeepsEveryRepeatAndDropsMostOtherKeys() {
    List<String> batchKeys = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      batchKeys.add("new-" + i);
    }
    List<String> earlierKeys = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      earlierKeys.add("old-" + i);
    }
    // Every hundredth event of the batch was delivered before.
    for (int i = 0; i < 2_000; i += 100) {
      earlierKeys.add("new-" + i);
    }
    earlierKeys.add(null);
    Dataset<Row> batch = keys(batchKeys);
    Dataset<Row> earlier = keys(earlierKeys);

    Dataset<Row> mayRepeat = Dedup.mayRepeatBatch(earlier, batch, batchKeys.size());
    List<String> kept = mayRepeat.collectAsList().stream().map(r -> r.getString(0)).toList();

    assertThat(kept).contains("new-0", "new-100", "new-1900").doesNotContainNull();
    // At a 1 % false-positive rate, about 200 of the 20,000 other keys pass; far fewer than all.
    assertThat(kept.size()).isBetween(20, 20 + 800);
    assertThat(anti(batch, mayRepeat)).isEqualTo(anti(batch, earlier)).hasSize(1_980);
  }

  @Test
  void aBatchTooLargeForTheFilterIsJoinedAgainstAllKeys() {
    Dataset<Row> earlier = keys(List.of("a", "b"));
    assertThat(Dedup.mayRepeatBatch(earlier, keys(List.of("a")), Dedup.BLOOM_MAX_KEYS + 1))
        .isSameAs(earlier);
    assertThat(Dedup.mayRepeatBatch(earlier, keys(List.of()), 0)).isSameAs(earlier);
    assertThat(
            Dedup.mayRepeatBatch(earlier, keys(List.of("a")), 1)
                .select(col(Cols.EVENT_KEY))
                .count())
        .isEqualTo(1);
  }
}
