package com.cohortwatch.generate;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.ingest.Reasons;
import com.cohortwatch.schema.Cols;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A synthetic freelance platform: ordinary users, the benign look-alikes (campus NAT, mobile CGNAT,
 * VPN users, offices, households, agencies, travellers) and operator rings of three styles
 * (blatant, careful, laptop farm), written in the contract's input layout with the truth beside it.
 * Deterministic for a seed: every account and day draws from its own random stream.
 */
public final class Generator {
  private static final Logger LOG = LoggerFactory.getLogger(Generator.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter ISO_OFFSET = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private Generator() {}

  /** What a generation wrote. */
  public record GenerateSummary(
      String out, long accounts, long logins, long badRecords, long duplicateDeliveries) {}

  public static GenerateSummary run(SparkSession spark, GeneratorConfig config) {
    try {
      Path out = Paths.get(config.out());
      boolean direct = config.format().equals("jsonl");
      Path jsonRoot = direct ? out : Files.createTempDirectory("cohortwatch-gen");
      Platform population =
          config.world().equals("family") ? FamilyWorld.build(config) : Population.build(config);
      Truth truth = new Truth();
      writeAccounts(jsonRoot, population, config, truth);
      writePayouts(jsonRoot, population, truth);
      writeIntel(jsonRoot, population, truth);
      if (config.decisionShare() > 0) {
        writeDecisions(jsonRoot, population, config);
      }
      long logins = writeLogins(jsonRoot, population, config, truth);
      if (!direct) {
        convert(spark, jsonRoot, out, config.format());
      }
      truth.write(out.resolve("truth"), population, config);
      LOG.info(
          "generated {} accounts, {} logins, {} bad records, {} duplicate deliveries in {}",
          population.accounts().size(),
          logins,
          truth.badTotal(),
          truth.duplicates,
          out);
      return new GenerateSummary(
          out.toString(), population.accounts().size(), logins, truth.badTotal(), truth.duplicates);
    } catch (IOException e) {
      throw new CohortWatchException("cannot write generated data: " + e.getMessage());
    }
  }

  private static JsonGenerator jsonLines(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    JsonGenerator g = JSON.createGenerator(os, JsonEncoding.UTF8);
    g.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
    return g;
  }

  private static void writeAccounts(Path root, Platform p, GeneratorConfig c, Truth truth)
      throws IOException {
    try (JsonGenerator g = jsonLines(root.resolve("accounts/accounts.jsonl"))) {
      SplittableRandom bad = new SplittableRandom(c.seed() * 31 + 7);
      for (Population.Account a : p.accounts()) {
        g.writeStartObject();
        g.writeStringField(Cols.ACCOUNT_ID, a.id);
        g.writeStringField(Cols.CREATED_AT, a.createdAt.toString());
        g.writeStringField(Cols.CLAIMED_COUNTRY, a.country);
        g.writeStringField(Cols.CLAIMED_TIMEZONE, a.zone);
        g.writeStringField(Cols.EMAIL_DOMAIN, a.emailDomain);
        g.writeStringField(Cols.PROFILE_TYPE, a.profileType);
        g.writeEndObject();
        truth.valid("accounts");
        if (bad.nextDouble() < c.badRate()) {
          int kind = bad.nextInt(c.format().equals("jsonl") ? 3 : 2);
          g.flush();
          if (kind == 0) {
            raw(g, "{\"account_id\":null,\"created_at\":\"2025-01-01T00:00:00Z\"}");
            truth.bad("accounts", Reasons.MISSING_REQUIRED_FIELD);
          } else if (kind == 1) {
            raw(g, "{\"account_id\":\"x" + a.id + "\",\"created_at\":\"2025-02-30T00:00:00Z\"}");
            truth.bad("accounts", Reasons.IMPOSSIBLE_TIMESTAMP);
          } else {
            raw(g, "{\"account_id\":\"y" + a.id + "\",\"created_at\":\"2025-0");
            truth.bad("accounts", Reasons.UNPARSEABLE_RECORD);
          }
        }
      }
    }
  }

  /** A raw line, for malformed records Jackson would refuse to write. */
  private static void raw(JsonGenerator g, String line) throws IOException {
    g.writeRaw("\n" + line);
  }

  private static void writePayouts(Path root, Platform p, Truth truth) throws IOException {
    try (JsonGenerator g = jsonLines(root.resolve("payout_methods/payout_methods.jsonl"))) {
      for (Population.Account a : p.accounts()) {
        for (String[] m : a.payouts) {
          g.writeStartObject();
          g.writeStringField(Cols.ACCOUNT_ID, a.id);
          g.writeStringField(Cols.PAYOUT_METHOD_ID, m[0]);
          g.writeStringField(Cols.METHOD_TYPE, m[1]);
          // Family worlds date each method (payouts change mid-window); classic: a day after
          // signup.
          g.writeStringField(
              Cols.ADDED_AT, m.length > 2 ? m[2] : a.createdAt.plusSeconds(86_400).toString());
          g.writeEndObject();
          truth.valid("payout_methods");
        }
      }
    }
  }

  private static void writeIntel(Path root, Platform p, Truth truth) throws IOException {
    try (JsonGenerator g = jsonLines(root.resolve("ip_intel/ip_intel.jsonl"))) {
      for (String[] r : p.intel()) {
        g.writeStartObject();
        g.writeStringField(Cols.NETWORK, r[0]);
        g.writeStringField(Cols.ASN, r[1]);
        g.writeStringField(Cols.AS_ORG, r[2]);
        g.writeStringField(Cols.COUNTRY, r[3]);
        g.writeStringField(Cols.USAGE_TYPE, r[4]);
        g.writeEndObject();
        truth.valid("ip_intel");
      }
    }
  }

  private static void writeDecisions(Path root, Platform p, GeneratorConfig c) throws IOException {
    SplittableRandom r = new SplittableRandom(c.seed() * 17 + 3);
    try (JsonGenerator g = jsonLines(root.resolve("decisions/decisions.jsonl"))) {
      for (Population.Account a : p.accounts()) {
        if (r.nextDouble() < c.decisionShare()) {
          g.writeStartObject();
          g.writeStringField(Cols.ACCOUNT_ID, a.id);
          g.writeStringField(Cols.DECISION, a.operator() ? "confirmed" : "cleared");
          g.writeStringField(
              Cols.DECIDED_AT,
              c.endDate().minusDays(3).atTime(12, 0).toInstant(ZoneOffset.UTC).toString());
          g.writeStringField(Cols.REVIEWER, "analyst-" + r.nextInt(5));
          g.writeEndObject();
        }
      }
    }
  }

  private static long writeLogins(Path root, Platform p, GeneratorConfig c, Truth truth)
      throws IOException {
    LocalDate first = c.endDate().minusDays(c.days() - 1L);
    // Late events go into a later folder: keep a buffer per target day.
    Map<LocalDate, ByteArrayOutputStream> lateBuffers = new TreeMap<>();
    long total = 0;
    for (int d = 0; d < c.days(); d++) {
      LocalDate day = first.plusDays(d);
      Path file = root.resolve("logins/date=" + day + "/part-00000.jsonl");
      Files.createDirectories(file.getParent());
      try (OutputStream os =
          new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        ByteArrayOutputStream late = lateBuffers.remove(day);
        if (late != null) {
          late.writeTo(os);
        }
        SplittableRandom dayRandom = new SplittableRandom(c.seed() * 1_000_003L + d);
        for (Population.Account a : p.accounts()) {
          List<Population.Login> logins = p.loginsOf(a, day, d);
          for (Population.Login l : logins) {
            byte[] line = loginLine(l, a, dayRandom);
            boolean lateEvent = dayRandom.nextDouble() < c.lateRate();
            LocalDate target = day.plusDays(1 + dayRandom.nextInt(2));
            if (lateEvent && !target.isAfter(c.endDate())) {
              lateBuffers.computeIfAbsent(target, x -> new ByteArrayOutputStream()).write(line);
              truth.late++;
            } else {
              os.write(line);
            }
            truth.valid("logins");
            total++;
            if (dayRandom.nextDouble() < c.badRate()) {
              os.write(line); // the same event delivered twice
              truth.duplicates++;
            }
            if (dayRandom.nextDouble() < c.badRate()) {
              os.write(badLogin(l, a, dayRandom, truth, c.format().equals("jsonl")));
            }
          }
        }
      }
    }
    return total;
  }

  private static byte[] loginLine(Population.Login l, Population.Account a, SplittableRandom r)
      throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(200);
    try (JsonGenerator g = JSON.createGenerator(buf, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField(Cols.EVENT_ID, l.eventId());
      g.writeStringField(Cols.ACCOUNT_ID, a.id);
      g.writeStringField(Cols.EVENT_TIME, renderTime(l.time(), a.zone, r));
      g.writeStringField(Cols.IP, renderIp(l.ip(), r));
      g.writeStringField(Cols.DEVICE_ID, l.device());
      g.writeStringField(Cols.USER_AGENT, l.userAgent());
      g.writeBooleanField(Cols.SUCCESS, r.nextInt(100) >= 3);
      g.writeEndObject();
    }
    buf.write('\n');
    return buf.toByteArray();
  }

  /** ~15 % of times carry the claimed zone's offset instead of Z (the same instant). */
  private static String renderTime(Instant t, String zone, SplittableRandom r) {
    if (r.nextInt(100) < 15) {
      return ZonedDateTime.ofInstant(t, ZoneId.of(zone)).toOffsetDateTime().format(ISO_OFFSET);
    }
    return t.toString();
  }

  /** A few valid but unusual renderings: IPv4-mapped IPv6, upper-case IPv6. */
  private static String renderIp(String ip, SplittableRandom r) {
    int x = r.nextInt(200);
    if (x == 0 && ip.indexOf(':') < 0) {
      return "::ffff:" + ip;
    }
    if (x == 1 && ip.indexOf(':') >= 0) {
      return ip.toUpperCase(java.util.Locale.ROOT);
    }
    return ip;
  }

  private static final String[][] BAD_IPS = {
    {"999.12.1.4"},
    {"1.2.3"},
    {"10.0.0.256"},
    {"1.2.3.4.5"},
    {"010.1.2.3"},
    {"2001:db8::g1"},
    {"1:2:3:4:5:6:7:8:9"},
    {"::ffff:999.1.1.1"}
  };
  private static final String[] BAD_TIMES = {
    "yesterday", "2026/11/03 10:00", "1700000000", "2026-11-03T10:00:00"
  };
  private static final String[] IMPOSSIBLE = {
    "2026-02-30T10:00:00Z", "2026-11-03T25:10:00Z", "2026-13-01T00:00:00Z"
  };

  private static byte[] badLogin(
      Population.Login l, Population.Account a, SplittableRandom r, Truth truth, boolean json)
      throws IOException {
    int kind = r.nextInt(json ? 6 : 5);
    String id = "bad-" + l.eventId();
    String time = l.time().toString();
    String ip = l.ip();
    String account = a.id;
    String reason;
    switch (kind) {
      case 0 -> {
        ip = BAD_IPS[r.nextInt(BAD_IPS.length)][0];
        reason = Reasons.INVALID_IP;
      }
      case 1 -> {
        time = BAD_TIMES[r.nextInt(BAD_TIMES.length)];
        reason = Reasons.INVALID_TIMESTAMP;
      }
      case 2 -> {
        time = IMPOSSIBLE[r.nextInt(IMPOSSIBLE.length)];
        reason = Reasons.IMPOSSIBLE_TIMESTAMP;
      }
      case 3 -> {
        account = r.nextBoolean() ? "" : null;
        reason = Reasons.MISSING_REQUIRED_FIELD;
      }
      case 4 -> {
        time = "2099" + time.substring(4);
        reason = Reasons.FUTURE_TIMESTAMP;
      }
      default -> {
        truth.bad("logins", Reasons.UNPARSEABLE_RECORD);
        String full =
            "{\"event_id\":\""
                + id
                + "\",\"account_id\":\""
                + account
                + "\",\"event_time\":\""
                + time
                + "\"";
        return (full.substring(0, 10 + r.nextInt(full.length() - 10)) + "\n")
            .getBytes(StandardCharsets.UTF_8);
      }
    }
    truth.bad("logins", reason);
    ByteArrayOutputStream buf = new ByteArrayOutputStream(160);
    try (JsonGenerator g = JSON.createGenerator(buf, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField(Cols.EVENT_ID, id);
      if (account == null) {
        g.writeNullField(Cols.ACCOUNT_ID);
      } else {
        g.writeStringField(Cols.ACCOUNT_ID, account);
      }
      g.writeStringField(Cols.EVENT_TIME, time);
      g.writeStringField(Cols.IP, ip);
      g.writeStringField(Cols.DEVICE_ID, l.device());
      g.writeEndObject();
    }
    buf.write('\n');
    return buf.toByteArray();
  }

  /** CSV and Parquet: the JSON Lines are converted by Spark, table by table, day by day. */
  private static void convert(SparkSession spark, Path json, Path out, String format)
      throws IOException {
    for (String table : List.of("accounts", "payout_methods", "ip_intel", "decisions")) {
      Path src = json.resolve(table);
      if (Files.isDirectory(src)) {
        write(spark, src.toString(), out.resolve(table).toString(), format, schemaOf(table));
      }
    }
    try (var days = Files.list(json.resolve("logins"))) {
      for (Path day : days.sorted().toList()) {
        write(
            spark,
            day.toString(),
            out.resolve("logins").resolve(day.getFileName().toString()).toString(),
            format,
            schemaOf("logins"));
      }
    }
  }

  private static StructType schemaOf(String table) {
    com.cohortwatch.schema.InputTable t =
        com.cohortwatch.schema.InputTable.valueOf(table.toUpperCase(java.util.Locale.ROOT));
    return com.cohortwatch.schema.Schemas.inputAsText(t);
  }

  private static void write(
      SparkSession spark, String src, String dst, String format, StructType schema) {
    var rows = spark.read().schema(schema).json(src).coalesce(1);
    if (format.equals("csv")) {
      rows.write().mode("overwrite").option("header", "true").csv(dst);
    } else {
      rows.write().mode("overwrite").parquet(dst);
    }
  }

  /** Labels and counts, written to truth/. */
  static final class Truth {
    final Map<String, Map<String, Long>> bad = new TreeMap<>();
    final Map<String, Long> valid = new TreeMap<>();
    long duplicates;
    long late;

    void bad(String table, String reason) {
      bad.computeIfAbsent(table, t -> new TreeMap<>()).merge(reason, 1L, Long::sum);
    }

    void valid(String table) {
      valid.merge(table, 1L, Long::sum);
    }

    long badTotal() {
      return bad.values().stream()
          .flatMap(m -> m.values().stream())
          .mapToLong(Long::longValue)
          .sum();
    }

    void write(Path dir, Platform p, GeneratorConfig c) throws IOException {
      Files.createDirectories(dir);
      Map<String, Integer> sizes = new TreeMap<>();
      for (Population.Account a : p.accounts()) {
        if (a.group != null) {
          sizes.merge(a.group, 1, Integer::sum);
        }
      }
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("accounts.csv"))) {
        // The first six columns are the classic ones, which Evaluation reads; the rest are added.
        w.write(
            "account_id,label,group_id,kind,style,shift,group_size,changed_hands,facilitator\n");
        for (Population.Account a : p.accounts()) {
          w.write(
              String.join(
                  ",",
                  a.id,
                  a.operator() ? "operator" : "benign",
                  a.group == null ? "" : a.group,
                  a.kind,
                  a.operator() ? a.kind : "",
                  a.shift == null ? "" : a.shift,
                  String.valueOf(a.group == null ? 1 : sizes.get(a.group)),
                  a.changedHands == null ? "" : a.changedHands,
                  a.facilitator == null ? "" : a.facilitator));
          w.write('\n');
        }
      }
      ObjectMapper mapper = new ObjectMapper();
      Map<String, Object> counts = new TreeMap<>(bad);
      counts.put("duplicate_deliveries", Map.of("logins", duplicates));
      counts.put("valid_rows", valid);
      counts.put("late_events", late);
      mapper
          .writerWithDefaultPrettyPrinter()
          .writeValue(dir.resolve("bad_records.json").toFile(), counts);
      Map<String, Object> params = new TreeMap<>();
      params.put("accounts", c.accounts());
      params.put("days", c.days());
      params.put("seed", c.seed());
      params.put("end_date", c.endDate().toString());
      params.put("format", c.format());
      params.put("bad_rate", c.badRate());
      params.put("late_rate", c.lateRate());
      params.put("decision_share", c.decisionShare());
      params.put("operator_share", c.operatorShare());
      params.put("ring_mix", c.ringMix());
      params.put("ring_size", List.of(c.ringSizeMin(), c.ringSizeMax()));
      params.put("home_shift_share", c.homeShiftShare());
      params.put("benign_mix", c.benignMix());
      params.put("benign_group_share", c.benignGroupShare());
      params.put("campus_size", c.campusSize());
      params.put("hub_accounts", c.hubAccounts());
      params.put("world", c.world());
      if (!p.drawn().isEmpty()) {
        mapper
            .writerWithDefaultPrettyPrinter()
            .writeValue(dir.resolve("world.json").toFile(), new TreeMap<>(p.drawn()));
      }
      mapper
          .writerWithDefaultPrettyPrinter()
          .writeValue(dir.resolve("params.json").toFile(), params);
    }
  }
}
