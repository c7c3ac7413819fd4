package com.cohortwatch.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.cohortwatch.eval.WorldScores.Account;
import com.cohortwatch.eval.WorldScores.World;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cross-world aggregation on hand-made rows. */
class WorldScoresTest {
  static Account op(String id, String ring, String style, int size, double score) {
    return new Account(
        id, true, ring, style, size > 5 ? "home" : "claimed", size, score, score >= 0.6);
  }

  static Account benign(String id, String kind, double score) {
    return new Account(id, false, "", kind, "", 1, score, score >= 0.6);
  }

  /** World A: a pair caught, a 6-ring with 4 of 6 caught; one campus account flagged. */
  static World worldA() {
    List<Account> rows = new ArrayList<>();
    rows.add(op("a1", "r1", "farm", 2, 0.9));
    rows.add(op("a2", "r1", "farm", 2, 0.8));
    for (int i = 0; i < 6; i++) {
      rows.add(op("c" + i, "r2", "careful", 6, i < 4 ? 0.7 : 0.2));
    }
    rows.add(benign("b1", "campus", 0.65));
    for (int i = 0; i < 9; i++) {
      rows.add(benign("o" + i, "ordinary", 0.01));
    }
    return WorldScores.score("A", rows);
  }

  /** World B: a 25-ring fully caught, a pair missed; nothing benign flagged. */
  static World worldB() {
    List<Account> rows = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      rows.add(op("p" + i, "r9", "proxy", 25, 0.95));
    }
    rows.add(op("m1", "r8", "careful", 2, 0.3));
    rows.add(op("m2", "r8", "careful", 2, 0.3));
    rows.add(benign("b2", "campus", 0.1));
    rows.add(benign("n1", "night_shift", 0.5));
    return WorldScores.score("B", rows);
  }

  @Test
  void perWorldFigures() {
    World a = worldA();
    assertThat(a.operators()).isEqualTo(8);
    assertThat(a.recall()).isCloseTo(6.0 / 8, within(1e-12));
    assertThat(a.precision()).isCloseTo(6.0 / 7, within(1e-12));
    assertThat(a.rings()).isEqualTo(2);
    assertThat(a.ringsRecovered()).isEqualTo(1); // 4 of 6 is under 80 %
    assertThat(a.byBand().get("2-5")).containsExactly(2, 2);
    assertThat(a.byBand().get("6-20")).containsExactly(4, 6);
    assertThat(a.byBenignKind().get("campus")).containsExactly(1, 1);
    assertThat(a.byShift().get("claimed")).containsExactly(2, 2);
    assertThat(a.byShift().get("home")).containsExactly(4, 6);
    assertThat(a.byShift()).doesNotContainKey("");
  }

  @Test
  void averagePrecisionCountsTiesAtTheirEnd() {
    // Ranking: op 0.9, {op, benign} tied at 0.5, benign 0.1.
    List<Account> rows =
        List.of(
            op("x", "r", "farm", 2, 0.9),
            op("y", "r", "farm", 2, 0.5),
            benign("z", "ordinary", 0.5),
            benign("w", "ordinary", 0.1));
    assertThat(WorldScores.averagePrecision(rows)).isCloseTo((1.0 + 2.0 / 3) / 2, within(1e-12));
  }

  @Test
  void medianAndWorstOverWorlds() {
    assertThat(WorldScores.median(List.of(0.9, 0.5, 0.7))).isEqualTo(0.7);
    assertThat(WorldScores.median(List.of(0.9, 0.5, 0.7, 0.6))).isCloseTo(0.65, within(1e-12));
    List<World> worlds = List.of(worldA(), worldB());
    String t = WorldScores.table(worlds);
    // Recall A 0.75, B 25/27 = 0.9259: median 0.8380, worst 0.75 (world A).
    assertThat(t).contains("median").containsPattern("median\\s+[0-9.]+\\s+[0-9.]+\\s+0\\.8380");
    assertThat(t).containsPattern("worst\\s+[0-9.]+\\s+0\\.8571\\s+0\\.7500");
    assertThat(t).contains("worst recall: A; worst precision: A");
  }

  @Test
  void bandsStylesAndBenignKindsArePooledOverWorlds() {
    List<World> worlds = List.of(worldA(), worldB());
    var bands = WorldScores.pooled(worlds, World::byBand);
    assertThat(bands.keySet()).containsExactly("2-5", "6-20", "21+");
    assertThat(bands.get("2-5")).containsExactly(2, 4); // A's pair caught, B's pair missed
    assertThat(bands.get("21+")).containsExactly(25, 25);
    var styles = WorldScores.pooled(worlds, World::byStyle);
    assertThat(styles.get("careful")).containsExactly(4, 8);
    var benign = WorldScores.pooled(worlds, World::byBenignKind);
    assertThat(benign.get("campus")).containsExactly(1, 2);
    assertThat(benign.get("night_shift")).containsExactly(0, 1);
    // The worst single world for the campus FPR is A (1 of 1).
    assertThat(WorldScores.worstWorld(worlds, World::byBenignKind, "campus", true))
        .containsExactly(1.0, 0.0);
    String t = WorldScores.table(worlds);
    assertThat(t).contains("campus").contains("50.0000% (1 of 2)");
    assertThat(t).contains("2-5").contains("0.5000   (2 of 4)");
  }

  @Test
  void aggregatorReadsWorldFoldersAndWritesTrainingRows(@TempDir Path dir) throws IOException {
    Path w = dir.resolve("family-1");
    Files.createDirectories(w.resolve("in/truth"));
    Files.writeString(
        w.resolve("in/truth/accounts.csv"),
        "account_id,label,group_id,kind,style,shift,group_size,changed_hands,facilitator\n"
            + "a1,operator,ring-0,farm,farm,claimed,2,,fac-0\n"
            + "a2,operator,ring-0,farm,farm,claimed,2,,fac-0\n"
            + "b1,benign,,ordinary,,,1,,\n"
            + "b2,benign,,night_shift,,,1,,\n");
    Files.writeString(
        w.resolve("account_risk.jsonl"),
        "{\"run_date\":\"2026-11-20\",\"account_id\":\"a1\",\"cluster_id\":\"c-1\",\"risk_score\":0.9,"
            + "\"risk_tier\":\"critical\",\"reasons\":[],\"logins\":40,\"tz_mismatch\":0.0}\n"
            + "{\"run_date\":\"2026-11-20\",\"account_id\":\"a2\",\"cluster_id\":\"c-1\",\"risk_score\":0.4,"
            + "\"risk_tier\":\"medium\",\"reasons\":[],\"logins\":30,\"tz_mismatch\":null}\n"
            + "{\"run_date\":\"2026-11-20\",\"account_id\":\"b2\",\"cluster_id\":null,\"risk_score\":0.1,"
            + "\"risk_tier\":\"low\",\"reasons\":[],\"logins\":25,\"tz_mismatch\":0.9}\n");
    Files.writeString(
        w.resolve("cluster_risk.jsonl"),
        "{\"run_date\":\"2026-11-20\",\"cluster_id\":\"c-1\",\"size\":2,\"risk_score\":0.7,"
            + "\"claimed_countries\":[\"US\"]}\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        CrossWorld.run(
            new String[] {"--eval-dir", dir.toString(), "--worlds", "family-1", "--train-csv"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            System.err);
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("family-1").contains("0.5000");
    assertThat(dir.resolve("summary.txt")).exists();
    List<String> train = Files.readAllLines(w.resolve("train.csv"));
    assertThat(train.get(0))
        .isEqualTo(
            "world,account_id,label,kind,group_id,group_size,in_cluster,"
                + "risk_score,logins,tz_mismatch,cluster_size,cluster_risk_score");
    assertThat(train)
        .contains(
            "family-1,a1,1,farm,ring-0,2,1,0.9,40,0.0,2,0.7",
            "family-1,b2,0,night_shift,,1,0,0.1,25,0.9,,");
    assertThat(train).hasSize(4); // b1 was not scored: no training row
  }
}
