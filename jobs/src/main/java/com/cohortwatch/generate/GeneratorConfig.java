package com.cohortwatch.generate;

import com.cohortwatch.UsageException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parameters of the synthetic platform; every proportion is a flag so evaluation can run on mixes
 * the detection was not tuned on.
 */
public record GeneratorConfig(
    String out,
    int accounts,
    int days,
    long seed,
    LocalDate endDate,
    String format,
    double badRate,
    double lateRate,
    double decisionShare,
    double operatorShare,
    Map<String, Double> ringMix,
    int ringSizeMin,
    int ringSizeMax,
    double homeShiftShare,
    Map<String, Double> benignMix,
    double benignGroupShare,
    int campusSize,
    int hubAccounts,
    String realRanges,
    String world,
    boolean operatorShareGiven,
    double operatorShareLo,
    double operatorShareHi) {

  /** Flags of the classic world only: the family world draws these from ranges per seed. */
  static final Set<String> CLASSIC_ONLY =
      Set.of(
          "ring-mix",
          "ring-size-min",
          "ring-size-max",
          "home-shift-share",
          "benign-mix",
          "benign-group-share",
          "campus-size",
          "hub-accounts");

  public static final Set<String> FLAGS =
      Set.of(
          "out",
          "accounts",
          "days",
          "seed",
          "end-date",
          "format",
          "bad-rate",
          "late-rate",
          "decision-share",
          "operator-share",
          "ring-mix",
          "ring-size-min",
          "ring-size-max",
          "home-shift-share",
          "benign-mix",
          "benign-group-share",
          "campus-size",
          "hub-accounts",
          "real-ranges",
          "world",
          "operator-share-range");

  public static final String HELP =
      """
      usage: cohortwatch generate --out DIR --accounts N [--days 30] [--seed 1] [flags]
      Writes a synthetic freelance platform in the contract's input layout, plus truth/.
        --out DIR                 output folder (required)
        --accounts N              number of accounts (required)
        --days 30                 days of logins, ending on --end-date
        --seed 1                  random seed: same seed, same files
        --end-date 2026-11-20     last day of logins
        --format jsonl            jsonl | csv | parquet
        --bad-rate 0              share of extra malformed login/account records, and of duplicate deliveries
        --late-rate 0             share of valid logins written into the folder of day D+1 or D+2
        --decision-share 0        share of accounts with a moderation decision (operators confirmed, others cleared)
        --operator-share 0.04     share of accounts in operator rings
        --ring-mix blatant=1,careful=1,farm=1
        --ring-size-min 5 --ring-size-max 25
        --home-shift-share 0.6    share of rings working their home timezone's office hours
        --benign-mix campus=1,cgnat=1,vpn=1,office=1,household=1,agency=1,traveller=1
        --benign-group-share 0.35 share of benign accounts in a look-alike kind (others ordinary)
        --campus-size 200         mean students per campus
        --hub-accounts 0          accounts (out of --accounts) behind one mobile carrier address: every
                                  login of theirs comes from that single IP (the memory-safety hub)
        --real-ranges DIR         a folder laid out like shared/reference-data: VPN exits and hosting
                                  addresses are drawn from its real CIDR lists
        --world classic           classic: the fixed mix above. family: every proportion and behaviour
                                  is drawn per seed from ranges (see docs/EVALUATION.md); the mix
                                  flags above are then refused, and truth/world.json says what was drawn
        --operator-share-range 0.001,0.01
                                  family world: the operator share is drawn from this range
                                  (raise it for evaluation worlds; --operator-share fixes it instead)
      """;

  public static GeneratorConfig fromOptions(Map<String, String> o) {
    for (String k : o.keySet()) {
      if (!FLAGS.contains(k)) {
        throw new UsageException("generate: unknown flag --" + k);
      }
    }
    String out = o.get("out");
    if (out == null || out.isBlank()) {
      throw new UsageException("generate: missing required --out");
    }
    if (!o.containsKey("accounts")) {
      throw new UsageException("generate: missing required --accounts");
    }
    int accounts = intFlag(o, "accounts", 0, 1, 50_000_000);
    String format = o.getOrDefault("format", "jsonl").toLowerCase(Locale.ROOT);
    if (!Set.of("jsonl", "csv", "parquet").contains(format)) {
      throw new UsageException("generate: --format must be jsonl, csv or parquet");
    }
    LocalDate end;
    try {
      end = LocalDate.parse(o.getOrDefault("end-date", "2026-11-20"));
    } catch (DateTimeParseException e) {
      throw new UsageException("generate: --end-date must be YYYY-MM-DD");
    }
    String world = o.getOrDefault("world", "classic").toLowerCase(Locale.ROOT);
    if (!Set.of("classic", "family").contains(world)) {
      throw new UsageException("generate: --world must be classic or family");
    }
    if (world.equals("family")) {
      for (String k : o.keySet()) {
        if (CLASSIC_ONLY.contains(k)) {
          throw new UsageException(
              "generate: --" + k + " is a classic-world flag; --world family draws it per seed");
        }
      }
    } else if (o.containsKey("operator-share-range")) {
      throw new UsageException("generate: --operator-share-range needs --world family");
    }
    double[] range = range(o, "operator-share-range", 0.001, 0.01);
    int hubAccounts = intFlag(o, "hub-accounts", 0, 0, 50_000_000);
    if (hubAccounts > accounts) {
      throw new UsageException("generate: --hub-accounts is more than --accounts");
    }
    int min = intFlag(o, "ring-size-min", 5, 2, 1000);
    int max = intFlag(o, "ring-size-max", 25, 2, 1000);
    if (max < min) {
      throw new UsageException("generate: --ring-size-max is below --ring-size-min");
    }
    return new GeneratorConfig(
        out,
        accounts,
        intFlag(o, "days", 30, 1, 366),
        longFlag(o, "seed", 1),
        end,
        format,
        share(o, "bad-rate", 0),
        share(o, "late-rate", 0),
        share(o, "decision-share", 0),
        share(o, "operator-share", 0.04),
        mix(o, "ring-mix", "blatant=1,careful=1,farm=1", Set.of("blatant", "careful", "farm")),
        min,
        max,
        share(o, "home-shift-share", 0.6),
        mix(
            o,
            "benign-mix",
            "campus=1,cgnat=1,vpn=1,office=1,household=1,agency=1,traveller=1",
            Set.of("campus", "cgnat", "vpn", "office", "household", "agency", "traveller")),
        share(o, "benign-group-share", 0.35),
        intFlag(o, "campus-size", 200, 5, 100_000),
        hubAccounts,
        o.get("real-ranges"),
        world,
        o.containsKey("operator-share"),
        range[0],
        range[1]);
  }

  private static double[] range(Map<String, String> o, String name, double lo, double hi) {
    String v = o.get(name);
    if (v == null) {
      return new double[] {lo, hi};
    }
    String[] parts = v.split(",");
    try {
      if (parts.length != 2) {
        throw new NumberFormatException();
      }
      double a = Double.parseDouble(parts[0].trim());
      double b = Double.parseDouble(parts[1].trim());
      if (a < 0 || b > 1 || b < a) {
        throw new NumberFormatException();
      }
      return new double[] {a, b};
    } catch (NumberFormatException e) {
      throw new UsageException("generate: --" + name + " takes LO,HI with 0 <= LO <= HI <= 1");
    }
  }

  private static int intFlag(Map<String, String> o, String name, int fallback, int lo, int hi) {
    long v = longFlag(o, name, fallback);
    if (v < lo || v > hi) {
      throw new UsageException("generate: --" + name + " must be between " + lo + " and " + hi);
    }
    return (int) v;
  }

  private static long longFlag(Map<String, String> o, String name, long fallback) {
    String v = o.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("generate: --" + name + " must be a whole number, got '" + v + "'");
    }
  }

  private static double share(Map<String, String> o, String name, double fallback) {
    String v = o.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (d < 0 || d > 1) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new UsageException("generate: --" + name + " must be a share between 0 and 1");
    }
  }

  private static Map<String, Double> mix(
      Map<String, String> o, String name, String fallback, Set<String> kinds) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (String part : o.getOrDefault(name, fallback).split(",")) {
      String[] kv = part.split("=");
      if (kv.length != 2 || !kinds.contains(kv[0].trim())) {
        throw new UsageException(
            "generate: --" + name + " takes kind=weight,... with kinds " + kinds);
      }
      try {
        double w = Double.parseDouble(kv[1].trim());
        if (w < 0) {
          throw new NumberFormatException();
        }
        m.put(kv[0].trim(), w);
      } catch (NumberFormatException e) {
        throw new UsageException("generate: --" + name + " weights must be numbers >= 0");
      }
    }
    if (m.values().stream().mapToDouble(Double::doubleValue).sum() <= 0) {
      throw new UsageException("generate: --" + name + " needs a positive weight");
    }
    return m;
  }
}
