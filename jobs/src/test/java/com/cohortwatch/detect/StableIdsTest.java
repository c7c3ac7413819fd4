package com.cohortwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.testing.SharedSpark;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class StableIdsTest {
  private static Dataset<Row> rows(StructType schema, String[][] values) {
    List<Row> out = new ArrayList<>();
    for (String[] v : values) {
      out.add(RowFactory.create((Object[]) v));
    }
    return SharedSpark.spark().createDataFrame(out, schema);
  }

  private static final StructType MEMBERS =
      new StructType().add(Cols.ACCOUNT_ID, "string").add(Clustering.COMPONENT, "string");
  private static final StructType PREVIOUS =
      new StructType().add(Cols.ACCOUNT_ID, "string").add(Cols.CLUSTER_ID, "string");

  private static Map<String, String> assign(String[][] members, String[][] previous) {
    return assign(members, previous, NIGHT);
  }

  private static final LocalDate NIGHT = LocalDate.of(2026, 11, 20);

  private static Map<String, String> assign(
      String[][] members, String[][] previous, LocalDate night) {
    return StableIds.assign(rows(MEMBERS, members), rows(PREVIOUS, previous), night)
        .collectAsList()
        .stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
  }

  @Test
  void persistingClusterKeepsItsIdEvenWhenItsSmallestMemberLeaves() {
    Map<String, String> ids =
        assign(
            new String[][] {{"b", "b"}, {"c", "b"}, {"d", "b"}},
            new String[][] {{"a", "c-old"}, {"b", "c-old"}, {"c", "c-old"}});
    assertThat(ids).containsEntry("b", "c-old");
  }

  @Test
  void splitKeepsTheIdForTheLargerPartAndNamesTheOtherFreshly() {
    Map<String, String> ids =
        assign(
            new String[][] {{"a", "a"}, {"b", "a"}, {"c", "a"}, {"x", "x"}, {"y", "x"}},
            new String[][] {
              {"a", "c-old"}, {"b", "c-old"}, {"c", "c-old"}, {"x", "c-old"}, {"y", "c-old"}
            });
    assertThat(ids.get("a")).isEqualTo("c-old");
    assertThat(ids.get("x")).startsWith("c-").isNotEqualTo("c-old");
  }

  @Test
  void splitWhoseSmallestMemberLeavesForTheSmallerPartGivesTwoDistinctIds() {
    // Last night's cluster {a..e} was new then, so its id came from its smallest member, a.
    String[][] lastNight = {{"a", "a"}, {"b", "a"}, {"c", "a"}, {"d", "a"}, {"e", "a"}};
    String oldId = assign(lastNight, new String[0][], NIGHT.minusDays(1)).get("a");
    String[][] previous = {
      {"a", oldId}, {"b", oldId}, {"c", oldId}, {"d", oldId}, {"e", oldId},
    };
    // Tonight it splits: {c, d, e} keeps the id; {a, b} is new, and its smallest member is a again.
    Map<String, String> ids =
        assign(
            new String[][] {{"a", "a"}, {"b", "a"}, {"c", "c"}, {"d", "c"}, {"e", "c"}}, previous);
    assertThat(ids.get("c")).isEqualTo(oldId);
    assertThat(ids.get("a")).startsWith("c-").isNotEqualTo(oldId);
  }

  @Test
  void newClusterIdIsDeterministic() {
    String[][] members = {{"m", "m"}, {"n", "m"}};
    assertThat(assign(members, new String[0][])).isEqualTo(assign(members, new String[0][]));
  }
}
