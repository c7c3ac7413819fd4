package com.cohortwatch.config;

import com.cohortwatch.UsageException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every tunable key with its default, in one place, resolved once per run (Iceberg's
 * SparkWriteConf). Values come from the defaults, then a JSON config file, then {@code --conf
 * key=value}; unknown keys are a usage error so a typo never silently falls back to a default.
 */
public final class Settings {

  /** A documented key with its default. */
  public record Key(String name, String defaultValue, String doc) {}

  private static final Map<String, Key> KEYS = new LinkedHashMap<>();

  private static Key key(String name, String defaultValue, String doc) {
    Key k = new Key(name, defaultValue, doc);
    KEYS.put(name, k);
    return k;
  }

  // ingestion
  public static final Key MAX_BAD_SHARE =
      key(
          "ingest.max-bad-share",
          "0.05",
          "fail the run, before publishing, when a table's share of quarantined records exceeds this");
  public static final Key FUTURE_SKEW_HOURS =
      key(
          "ingest.future-skew-hours",
          "24",
          "login events later than the end of their landing day, and account, payout and decision"
              + " records later than now, by more than this many hours are quarantined as"
              + " future_timestamp");
  public static final Key SNAPSHOT_MAX_SHRINK =
      key(
          "ingest.snapshot-max-shrink",
          "0.5",
          "a snapshot input (accounts, payout_methods, ip_intel, decisions) whose valid records"
              + " fall by more than this share of its rows in bronze, or to none, keeps the"
              + " previous bronze (an empty or truncated export must not wipe every link)");
  public static final Key SNAPSHOT_SHRINK_ACTION =
      key(
          "ingest.snapshot-shrink-action",
          "fail",
          "what a shrunken snapshot does: fail (the run fails before publishing) or warn (the run"
              + " goes on with that table's previous bronze and says so)");
  public static final Key SNAPSHOT_REUSE =
      key(
          "ingest.snapshot-reuse",
          "unchanged",
          "unchanged: a snapshot input whose files are the ones an earlier run ingested (same"
              + " paths, sizes and modification times, same settings and release) keeps its bronze"
              + " and is not read again; never: every run reads every snapshot input");
  public static final Key EARLIEST_VALID_DATE =
      key(
          "ingest.earliest-date",
          "2000-01-01",
          "run dates and event times before this are rejected as impossible");

  // linking
  public static final Key IPV4_PREFIX =
      key("link.ipv4-prefix", "24", "prefix length of the IPv4 subnet link");
  public static final Key IPV6_PREFIX =
      key("link.ipv6-prefix", "48", "prefix length of the IPv6 subnet link");
  public static final Key CO_LOGIN_WINDOW_MINUTES =
      key(
          "link.co-login-window-minutes",
          "30",
          "two logins from the same IP closer than this are simultaneous");
  public static final Key CO_LOGIN_MIN_DAYS =
      key(
          "link.co-login-min-days",
          "3",
          "distinct days of simultaneous logins before two accounts get a co_login link");
  public static final Key COHORT_DAYS =
      key(
          "link.cohort-days",
          "14",
          "accounts created within this many days of each other that share addresses get a"
              + " cohort link");
  public static final Key COHORT_MIN_SHARED =
      key(
          "link.cohort-min-shared",
          "2",
          "distinct shared addresses (each below link.pair-cap accounts) a cohort link needs");
  public static final Key COHORT_MIN_GROUP =
      key(
          "link.cohort-min-group",
          "3",
          "3: a cohort pair counts only when a third account is a cohort pair of both (a batch,"
              + " not a coincidence of two); 2: every cohort pair counts");
  public static final Key TWIN_MIN_SHARED =
      key(
          "link.twin-min-shared",
          "4",
          "two accounts sharing at least this many anonymising exits (each below link.pair-cap"
              + " accounts) of one AS, far more than the AS's size explains, get a cohort link"
              + " whenever they were created");
  public static final Key TWIN_SURPRISE =
      key(
          "link.twin-surprise",
          "5",
          "how many times more exits two such accounts must share than two strangers drawing"
              + " the same numbers of exits from the AS's exits seen in the window would");
  public static final Key PAIR_CAP =
      key(
          "link.pair-cap",
          "50",
          "an attribute (or co-login time bucket) with more accounts than this is a hub: it is"
              + " never expanded into all its pairs");
  public static final Key STAR_MAX =
      key(
          "link.star-max",
          "1000",
          "a residential/hosting address, device or payout method shared by more accounts than"
              + " pair-cap but at most this many joins its accounts as one star vertex; larger ones"
              + " are infrastructure and link nothing");
  public static final Key STAR_WEIGHT =
      key("link.star-weight", "0.65", "weight of a star hub's edge to each member");
  public static final Key SPLIT_LINK_WEIGHT =
      key(
          "cluster.split-link-weight",
          "0.85",
          "no longer used (oversized components are split into communities since model 2);"
              + " accepted so that older config files still load");
  public static final Key MIN_LINK_WEIGHT =
      key("cluster.min-link-weight", "0.6", "links lighter than this do not join clusters");
  public static final Key MAX_CLUSTER_SIZE =
      key("cluster.max-size", "200", "no cluster holds more accounts than this");
  public static final Key COMMUNITY_MIN_SIZE =
      key(
          "cluster.community-min-size",
          "8",
          "a connected component of at least this many accounts is split into communities on its"
              + " weighted links (Louvain), so rings glued by a shared exit become separate"
              + " clusters");
  public static final Key COMMUNITY_RESOLUTION =
      key(
          "cluster.community-resolution",
          "1.0",
          "modularity resolution of the community split: above 1 gives smaller communities");

  // scoring
  public static final Key TIER_MEDIUM = key("score.tier-medium", "0.35", "lowest medium score");
  public static final Key TIER_HIGH = key("score.tier-high", "0.6", "lowest high score");
  public static final Key TIER_CRITICAL =
      key("score.tier-critical", "0.85", "lowest critical score");

  public static final Key MODEL_FILE =
      key(
          "model.file",
          "",
          "a model artefact (JSON, any Hadoop path) to score with instead of the one built into"
              + " the jar, e.g. a model retrained by bench/train-model.sh");

  // moderation feedback (decisions/)
  public static final Key CONFIRMED_BOOST =
      key(
          "feedback.confirmed-boost",
          "2.0",
          "added to the logit of a cluster with a member whose latest review decision is"
              + " confirmed (members inherit it in proportion to their attachment)");
  public static final Key CLEARED_MARGIN =
      key(
          "feedback.cleared-margin",
          "0.01",
          "an account cleared by review is capped at score.tier-high minus this until new"
              + " evidence appears");
  public static final Key HMAC_KEY =
      key(
          "privacy.hmac-key",
          "",
          "key for pseudonymising payout method ids, at least 32 bytes; better in env"
              + " COHORTWATCH_HMAC_KEY or privacy.hmac-key-file; refused on the command line (ps"
              + " and Spark's event log show it)");
  public static final Key HMAC_KEY_FILE =
      key(
          "privacy.hmac-key-file",
          "",
          "file (any Hadoop path) holding the HMAC key when COHORTWATCH_HMAC_KEY is not set");

  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  public static Settings defaults() {
    return resolve(null, Map.of());
  }

  /** Defaults, then the config file (flat or nested JSON), then the command-line overrides. */
  public static Settings resolve(Path configFile, Map<String, String> overrides) {
    return resolve(
        Map.of(),
        configFile == null ? Map.of() : readFile(configFile),
        String.valueOf(configFile),
        overrides);
  }

  /** Where settings in the Spark configuration live: {@code spark.cohortwatch.<key>}. */
  public static final String SPARK_PREFIX = "spark.cohortwatch.";

  /**
   * The four sources, weakest first: the defaults, {@code spark.cohortwatch.<key>} from the Spark
   * configuration (spark-submit --conf, spark-defaults.conf; given here without the prefix), the
   * --config file, then {@code --conf key=value} after the command. A later source wins per key; an
   * unknown key is a usage error that names the source it came from.
   */
  public static Settings resolve(
      Map<String, String> sparkConf,
      Map<String, String> fileValues,
      String fileName,
      Map<String, String> overrides) {
    Map<String, String> values = new TreeMap<>();
    KEYS.values().forEach(k -> values.put(k.name(), k.defaultValue()));
    putKnown(values, sparkConf, k -> SPARK_PREFIX + k + " in the Spark configuration");
    putKnown(values, fileValues, k -> k + " in config file " + fileName);
    putKnown(values, overrides, k -> "--conf " + k);
    Settings settings = new Settings(values);
    KEYS.values().forEach(settings::validate);
    return settings;
  }

  private void requireOneOf(Key key, String first, String second) {
    String value = values.get(key.name());
    if (!first.equals(value) && !second.equals(value)) {
      throw new UsageException(
          "setting "
              + key.name()
              + " must be "
              + first
              + " or "
              + second
              + ", got '"
              + value
              + "'");
    }
  }

  private void validate(Key key) {
    if (key == HMAC_KEY || key == HMAC_KEY_FILE || key == MODEL_FILE) {
      return;
    }
    if (key == EARLIEST_VALID_DATE) {
      try {
        java.time.LocalDate.parse(values.get(key.name()));
      } catch (java.time.format.DateTimeParseException e) {
        throw new UsageException(
            "setting "
                + key.name()
                + " must be a date YYYY-MM-DD, got '"
                + values.get(key.name())
                + "'");
      }
      return;
    }
    if (key == SNAPSHOT_SHRINK_ACTION) {
      requireOneOf(key, "fail", "warn");
      return;
    }
    if (key == SNAPSHOT_REUSE) {
      requireOneOf(key, "unchanged", "never");
      return;
    }
    double value;
    try {
      value = Double.parseDouble(values.get(key.name()));
    } catch (NumberFormatException e) {
      throw new UsageException(
          "setting " + key.name() + " must be a number, got '" + values.get(key.name()) + "'");
    }
    // NaN compares false with everything: max-bad-share=NaN turned the limit off.
    if (!Double.isFinite(value)) {
      throw new UsageException(
          "setting "
              + key.name()
              + " must be a finite number, got '"
              + values.get(key.name())
              + "'");
    }
    if ((key == MAX_BAD_SHARE || key == SNAPSHOT_MAX_SHRINK) && (value < 0 || value > 1)) {
      throw new UsageException(
          "setting "
              + key.name()
              + " is a share from 0 to 1, got '"
              + values.get(key.name())
              + "'");
    }
  }

  private static void putKnown(
      Map<String, String> values,
      Map<String, String> source,
      java.util.function.UnaryOperator<String> where) {
    source.forEach(
        (name, value) -> {
          if (!KEYS.containsKey(name)) {
            throw new UsageException(
                "unknown setting '"
                    + name
                    + "' ("
                    + where.apply(name)
                    + "; see --help for the keys)");
          }
          values.put(name, value);
        });
  }

  private static Map<String, String> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UsageException("config file not found: " + file);
    }
    try {
      return parseConfig(file.toString(), Files.readString(file));
    } catch (IOException e) {
      throw new UsageException("config file " + file + " cannot be read: " + e.getMessage());
    }
  }

  /** A config file's text (JSON, nested or flat keys, comments allowed) as flat key=value. */
  public static Map<String, String> parseConfig(String fileName, String text) {
    try {
      // Comments allowed, so a config file can say why each threshold has its value.
      JsonNode root =
          new ObjectMapper()
              .enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_COMMENTS)
              .readTree(text);
      if (root == null || !root.isObject()) {
        throw new UsageException("config file " + fileName + " is not a JSON object");
      }
      Map<String, String> flat = new TreeMap<>();
      flatten("", root, flat);
      return flat;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UsageException(
          "config file " + fileName + " is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        flatten(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue(), out);
      }
    } else {
      out.put(prefix, node.asText());
    }
  }

  public String get(Key key) {
    return values.get(key.name());
  }

  public int getInt(Key key) {
    return (int) Double.parseDouble(get(key));
  }

  public double getDouble(Key key) {
    return Double.parseDouble(get(key));
  }

  /**
   * A config file with every key at its default and its documentation as a comment: the content of
   * jobs/schedule/cohortwatch.example.jsonc. The HMAC key is left commented out: it is a secret.
   */
  public static String exampleConfig() {
    StringBuilder sb = new StringBuilder();
    sb.append("// CohortWatch settings: every key at its default. Pass with --config FILE;\n");
    sb.append("// --conf key=value overrides one. JSON with comments (Jackson ALLOW_COMMENTS).\n");
    sb.append("{\n");
    List<Key> keys =
        KEYS.values().stream().filter(k -> k != HMAC_KEY && k != HMAC_KEY_FILE).toList();
    for (int i = 0; i < keys.size(); i++) {
      Key k = keys.get(i);
      String value =
          k == EARLIEST_VALID_DATE
                  || k == SNAPSHOT_SHRINK_ACTION
                  || k == SNAPSHOT_REUSE
                  || k == MODEL_FILE
              ? "\"" + k.defaultValue() + "\""
              : k.defaultValue();
      sb.append("  // ").append(k.doc()).append('\n');
      sb.append("  \"").append(k.name()).append("\": ").append(value);
      sb.append(i < keys.size() - 1 ? ",\n" : "\n");
    }
    sb.append("  // ").append(HMAC_KEY.doc()).append(": a secret, keep it out of this file\n");
    sb.append("  // \"").append(HMAC_KEY.name()).append("\": \"...\"\n");
    sb.append("  // ").append(HMAC_KEY_FILE.doc()).append('\n');
    sb.append("  // \"").append(HMAC_KEY_FILE.name()).append("\": \"/path/to/key\"\n");
    sb.append("}\n");
    return sb.toString();
  }

  /** The keys, defaults and documentation for --help. */
  public static String describe() {
    StringBuilder sb = new StringBuilder();
    for (Key k : KEYS.values()) {
      sb.append(String.format("  %-32s default %-8s %s%n", k.name(), k.defaultValue(), k.doc()));
    }
    return sb.toString();
  }
}
