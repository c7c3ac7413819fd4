package com.cohortwatch.eval;

import com.cohortwatch.schema.RiskTier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cross-world protocol's aggregator (run by bench/evaluate.sh through the launcher's
 * COHORTWATCH_MAIN): for each world folder it joins the generator's truth with the exported
 * account_risk and prints one table over all worlds ({@link WorldScores#table}). With --train-csv
 * it also writes each world's train.csv: the account's numeric columns of account_risk (and of its
 * cluster's cluster_risk, prefixed cluster_) beside the truth label, for fitting a model.
 *
 * <p>Usage: {@code CrossWorld --eval-dir DIR --worlds w1,w2,... [--train-csv]}. A world folder
 * holds {@code in/truth/accounts.csv}, {@code account_risk.jsonl} and, for --train-csv, {@code
 * cluster_risk.jsonl} (both from {@code cohortwatch export --format jsonl}).
 */
public final class CrossWorld {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** account_risk columns that are not features. */
  private static final Set<String> NOT_FEATURES =
      Set.of("run_date", "account_id", "cluster_id", "risk_tier", "reasons", "model_version");

  private CrossWorld() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    System.exit(code);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Path dir = null;
    List<String> worlds = new ArrayList<>();
    boolean train = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--eval-dir" -> dir = Paths.get(args[++i]);
        case "--worlds" -> worlds.addAll(List.of(args[++i].split(",")));
        case "--train-csv" -> train = true;
        default -> {
          err.println("usage: CrossWorld --eval-dir DIR --worlds w1,w2,... [--train-csv]");
          return 2;
        }
      }
    }
    if (dir == null || worlds.isEmpty()) {
      err.println("usage: CrossWorld --eval-dir DIR --worlds w1,w2,... [--train-csv]");
      return 2;
    }
    try {
      List<WorldScores.World> scored = new ArrayList<>();
      for (String w : worlds) {
        Path world = dir.resolve(w);
        Map<String, JsonNode> risk =
            readJsonLines(world.resolve("account_risk.jsonl"), "account_id");
        List<Truth> truth = readTruth(world.resolve("in/truth/accounts.csv"));
        scored.add(WorldScores.score(w, join(truth, risk)));
        if (train) {
          Map<String, JsonNode> clusters =
              readJsonLines(world.resolve("cluster_risk.jsonl"), "cluster_id");
          writeTrain(world.resolve("train.csv"), w, truth, risk, clusters);
        }
      }
      String table = WorldScores.table(scored);
      out.println(table);
      Files.writeString(dir.resolve("summary.txt"), table + "\n");
      return 0;
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      err.println("CrossWorld failed: " + e.getMessage());
      return 1;
    }
  }

  /** One row of truth/accounts.csv. */
  record Truth(
      String id, boolean operator, String group, String kind, String shift, int groupSize) {}

  static List<Truth> readTruth(Path file) throws IOException {
    List<Truth> out = new ArrayList<>();
    Map<String, Integer> sizes = new HashMap<>();
    List<String[]> rows = new ArrayList<>();
    Map<String, Integer> col = new HashMap<>();
    try (BufferedReader r = Files.newBufferedReader(file)) {
      String[] header = r.readLine().split(",", -1);
      for (int i = 0; i < header.length; i++) {
        col.put(header[i], i);
      }
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] f = line.split(",", -1);
        rows.add(f);
        String g = f[col.get("group_id")];
        if (!g.isEmpty()) {
          sizes.merge(g, 1, Integer::sum);
        }
      }
    }
    for (String[] f : rows) {
      String g = f[col.get("group_id")];
      // Classic truth files have no group_size: count the group's members instead.
      int size = g.isEmpty() ? 1 : sizes.get(g);
      out.add(
          new Truth(
              f[col.get("account_id")],
              f[col.get("label")].equals("operator"),
              g,
              f[col.get("kind")],
              col.containsKey("shift") ? f[col.get("shift")] : "",
              size));
    }
    return out;
  }

  static Map<String, JsonNode> readJsonLines(Path file, String key) throws IOException {
    Map<String, JsonNode> out = new HashMap<>();
    if (!Files.exists(file)) {
      throw new IllegalArgumentException("missing " + file);
    }
    try (BufferedReader r = Files.newBufferedReader(file)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          JsonNode n = JSON.readTree(line);
          out.put(n.path(key).asText(), n);
        }
      }
    }
    return out;
  }

  /** Truth joined with scores; an account the run did not score counts as score 0, not flagged. */
  static List<WorldScores.Account> join(List<Truth> truth, Map<String, JsonNode> risk) {
    List<WorldScores.Account> out = new ArrayList<>(truth.size());
    for (Truth t : truth) {
      JsonNode r = risk.get(t.id());
      double score = r == null ? 0 : r.path("risk_score").asDouble(0);
      String low = RiskTier.LOW.value();
      String tier = r == null ? low : r.path("risk_tier").asText(low);
      boolean flagged = RiskTier.FLAGGED.contains(tier);
      out.add(
          new WorldScores.Account(
              t.id(), t.operator(), t.group(), t.kind(), t.shift(), t.groupSize(), score, flagged));
    }
    return out;
  }

  /** Numeric (and boolean, as 0/1) columns of an exported row, in the export's order. */
  static Map<String, String> numeric(JsonNode row, String prefix, Set<String> skip) {
    Map<String, String> out = new LinkedHashMap<>();
    if (row == null) {
      return out;
    }
    Iterator<Map.Entry<String, JsonNode>> it = row.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (skip.contains(e.getKey())) {
        continue;
      }
      if (v.isNumber()) {
        out.put(prefix + e.getKey(), v.asText());
      } else if (v.isBoolean()) {
        out.put(prefix + e.getKey(), v.asBoolean() ? "1" : "0");
      } else if (v.isNull()) {
        out.put(prefix + e.getKey(), "");
      }
    }
    return out;
  }

  static void writeTrain(
      Path file,
      String world,
      List<Truth> truth,
      Map<String, JsonNode> risk,
      Map<String, JsonNode> clusters)
      throws IOException {
    Set<String> columns = new LinkedHashSet<>();
    for (JsonNode r : risk.values()) {
      columns.addAll(numeric(r, "", NOT_FEATURES).keySet());
    }
    Set<String> clusterSkip =
        Set.of("run_date", "cluster_id", "risk_tier", "reasons", "model_version");
    for (JsonNode c : clusters.values()) {
      columns.addAll(numeric(c, "cluster_", clusterSkip).keySet());
    }
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      w.write("world,account_id,label,kind,group_id,group_size,in_cluster");
      for (String c : columns) {
        w.write("," + c);
      }
      w.write("\n");
      for (Truth t : truth) {
        JsonNode r = risk.get(t.id());
        if (r == null) {
          continue; // not scored by the run: nothing to learn from
        }
        JsonNode cluster =
            r.hasNonNull("cluster_id") ? clusters.get(r.get("cluster_id").asText()) : null;
        Map<String, String> values = numeric(r, "", NOT_FEATURES);
        values.putAll(numeric(cluster, "cluster_", clusterSkip));
        StringBuilder sb = new StringBuilder();
        sb.append(world).append(',').append(t.id()).append(',').append(t.operator() ? 1 : 0);
        sb.append(',')
            .append(t.kind())
            .append(',')
            .append(t.group())
            .append(',')
            .append(t.groupSize());
        sb.append(',').append(cluster == null ? 0 : 1);
        for (String c : columns) {
          sb.append(',').append(values.getOrDefault(c, ""));
        }
        w.write(sb.append('\n').toString());
      }
    }
  }
}
