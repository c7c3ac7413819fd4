package com.cohortwatch.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Detection quality of one world from per-account rows, and the same figures over many worlds:
 * median and worst world, recall pooled per ring style and per ring-size band, false-positive rate
 * pooled per benign kind (one world rarely holds enough of a kind to resolve 0.2 %). Plain Java on
 * rows already joined with the truth; no Spark.
 */
public final class WorldScores {
  private WorldScores() {}

  /** Ring-size bands of the protocol. */
  public static final List<String> BANDS = List.of("2-5", "6-20", "21+");

  /** One account of one world: its truth and its score. Unscored accounts carry score 0. */
  public record Account(
      String id,
      boolean operator,
      String group,
      String kind,
      String shift,
      int groupSize,
      double score,
      boolean flagged) {}

  /** Counts as {flagged, total}. */
  public record World(
      String name,
      long accounts,
      long operators,
      long flagged,
      long truePositives,
      double averagePrecision,
      int ringsRecovered,
      int rings,
      Map<String, long[]> byStyle,
      Map<String, long[]> byBand,
      Map<String, long[]> byShift,
      Map<String, long[]> byBenignKind) {

    public double precision() {
      return flagged == 0 ? 0 : (double) truePositives / flagged;
    }

    public double recall() {
      return operators == 0 ? 0 : (double) truePositives / operators;
    }
  }

  /** Bands in their natural order, every other key alphabetically after them. */
  static final Comparator<String> KEY_ORDER =
      (a, b) -> {
        int ia = BANDS.indexOf(a);
        int ib = BANDS.indexOf(b);
        if (ia >= 0 && ib >= 0) {
          return Integer.compare(ia, ib);
        }
        return ia >= 0 ? -1 : ib >= 0 ? 1 : a.compareTo(b);
      };

  public static String band(int ringSize) {
    return ringSize <= 5 ? "2-5" : ringSize <= 20 ? "6-20" : "21+";
  }

  public static World score(String name, List<Account> rows) {
    long operators = 0;
    long flagged = 0;
    long tp = 0;
    Map<String, long[]> style = new TreeMap<>(KEY_ORDER);
    Map<String, long[]> band = new TreeMap<>(KEY_ORDER);
    Map<String, long[]> shift = new TreeMap<>(KEY_ORDER);
    Map<String, long[]> benign = new TreeMap<>(KEY_ORDER);
    Map<String, long[]> rings = new TreeMap<>();
    for (Account a : rows) {
      int f = a.flagged() ? 1 : 0;
      flagged += f;
      if (a.operator()) {
        operators++;
        tp += f;
        add(style, a.kind(), f);
        add(band, band(a.groupSize()), f);
        add(rings, a.group(), f);
        if (a.shift() != null && !a.shift().isEmpty()) {
          add(shift, a.shift(), f);
        }
      } else {
        add(benign, a.kind(), f);
      }
    }
    int recovered = 0;
    for (long[] r : rings.values()) {
      if (r[0] >= 0.8 * r[1]) {
        recovered++;
      }
    }
    return new World(
        name,
        rows.size(),
        operators,
        flagged,
        tp,
        averagePrecision(rows),
        recovered,
        rings.size(),
        style,
        band,
        shift,
        benign);
  }

  private static void add(Map<String, long[]> m, String key, int flagged) {
    long[] c = m.computeIfAbsent(key, k -> new long[2]);
    c[0] += flagged;
    c[1]++;
  }

  /**
   * Average precision over the score ranking; accounts with equal scores (to 5 decimals, as {@link
   * Evaluation} buckets them) count at the end of their tie.
   */
  static double averagePrecision(List<Account> rows) {
    List<Account> sorted = new ArrayList<>(rows);
    sorted.sort(Comparator.comparingDouble((Account a) -> -bucket(a.score())));
    long positives = rows.stream().filter(Account::operator).count();
    if (positives == 0) {
      return 0;
    }
    double ap = 0;
    long seen = 0;
    long seenPos = 0;
    int i = 0;
    while (i < sorted.size()) {
      double s = bucket(sorted.get(i).score());
      long p = 0;
      int j = i;
      while (j < sorted.size() && bucket(sorted.get(j).score()) == s) {
        p += sorted.get(j).operator() ? 1 : 0;
        j++;
      }
      seen += j - i;
      seenPos += p;
      ap += p * ((double) seenPos / seen);
      i = j;
    }
    return ap / positives;
  }

  private static double bucket(double score) {
    return Math.round(score * 100_000) / 100_000.0;
  }

  /** The middle value (mean of the two middle ones for an even count). */
  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(Double::compare);
    int n = s.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** Sums {flagged, total} per key over worlds. */
  static Map<String, long[]> pooled(
      List<World> worlds, java.util.function.Function<World, Map<String, long[]>> of) {
    Map<String, long[]> out = new TreeMap<>(KEY_ORDER);
    for (World w : worlds) {
      of.apply(w)
          .forEach(
              (k, c) -> {
                long[] t = out.computeIfAbsent(k, x -> new long[2]);
                t[0] += c[0];
                t[1] += c[1];
              });
    }
    return out;
  }

  /** The worst single world's rate for a key, among worlds holding at least one of it. */
  static double[] worstWorld(
      List<World> worlds,
      java.util.function.Function<World, Map<String, long[]>> of,
      String key,
      boolean highIsBad) {
    double worst = Double.NaN;
    int at = -1;
    for (int i = 0; i < worlds.size(); i++) {
      long[] c = of.apply(worlds.get(i)).get(key);
      if (c == null || c[1] == 0) {
        continue;
      }
      double rate = (double) c[0] / c[1];
      if (Double.isNaN(worst) || (highIsBad ? rate > worst : rate < worst)) {
        worst = rate;
        at = i;
      }
    }
    return new double[] {worst, at};
  }

  /** The protocol's table: per world, median and worst, per style, per band, per benign kind. */
  public static String table(List<World> worlds) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "%-14s %8s %9s %6s %8s %11s %11s %9s%n",
            "world",
            "accounts",
            "operators",
            "rings",
            "AP",
            "prec@high+",
            "recall@high+",
            "rings_rec"));
    for (World w : worlds) {
      sb.append(
          String.format(
              "%-14s %8d %9d %6d %8.4f %11.4f %11.4f %5d/%-4d%n",
              w.name(),
              w.accounts(),
              w.operators(),
              w.rings(),
              w.averagePrecision(),
              w.precision(),
              w.recall(),
              w.ringsRecovered(),
              w.rings()));
    }
    if (worlds.isEmpty()) {
      return sb.toString();
    }
    List<Double> ap = worlds.stream().map(World::averagePrecision).toList();
    List<Double> prec = worlds.stream().map(World::precision).toList();
    List<Double> rec = worlds.stream().map(World::recall).toList();
    List<Double> ringShare =
        worlds.stream()
            .map(w -> w.rings() == 0 ? 0 : (double) w.ringsRecovered() / w.rings())
            .toList();
    sb.append(
        String.format(
            "%-14s %8s %9s %6s %8.4f %11.4f %11.4f %9.3f%n",
            "median", "", "", "", median(ap), median(prec), median(rec), median(ringShare)));
    sb.append(
        String.format(
            "%-14s %8s %9s %6s %8.4f %11.4f %11.4f %9.3f%n",
            "worst", "", "", "", min(ap), min(prec), min(rec), min(ringShare)));
    sb.append(
        String.format(
            "worst recall: %s; worst precision: %s%n",
            worlds.get(argmin(rec)).name(), worlds.get(argmin(prec)).name()));
    sb.append(String.format("%nrecall per ring style (pooled over %d worlds)%n", worlds.size()));
    section(sb, worlds, World::byStyle, false);
    sb.append(String.format("%nrecall per ring size (pooled)%n"));
    section(sb, worlds, World::byBand, false);
    sb.append(
        String.format(
            "%nrecall per shift (pooled; claimed: hours on the claimed zone's day, home: on the"
                + " operators' own)%n"));
    section(sb, worlds, World::byShift, false);
    sb.append(String.format("%nfalse-positive rate per benign kind (pooled)%n"));
    section(sb, worlds, World::byBenignKind, true);
    return sb.toString().stripTrailing();
  }

  private static void section(
      StringBuilder sb,
      List<World> worlds,
      java.util.function.Function<World, Map<String, long[]>> of,
      boolean fpr) {
    pooled(worlds, of)
        .forEach(
            (k, c) -> {
              double rate = c[1] == 0 ? 0 : (double) c[0] / c[1];
              double[] worst = worstWorld(worlds, of, k, fpr);
              sb.append(
                  fpr
                      ? String.format(
                          "  %-12s %8.4f%% (%d of %d)   worst world %.4f%% (%s)%n",
                          k,
                          100 * rate,
                          c[0],
                          c[1],
                          100 * worst[0],
                          worlds.get((int) worst[1]).name())
                      : String.format(
                          "  %-12s %8.4f   (%d of %d)   worst world %.4f (%s)%n",
                          k, rate, c[0], c[1], worst[0], worlds.get((int) worst[1]).name()));
            });
  }

  private static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static int argmin(List<Double> xs) {
    int at = 0;
    for (int i = 1; i < xs.size(); i++) {
      if (xs.get(i) < xs.get(at)) {
        at = i;
      }
    }
    return at;
  }
}
