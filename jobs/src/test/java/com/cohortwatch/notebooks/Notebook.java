package com.cohortwatch.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An analyst notebook of notebooks-export/, read the way its own setup cell runs it.
 *
 * <p>The convention every notebook follows (README there): a code cell tagged {@code parameters}
 * holding only {@code name = literal} lines (string, number or None); a code cell tagged {@code
 * setup} listing {@code PARAMETERS}, {@code TABLES} and the {@code DEFAULTS} queries that fill a
 * parameter left as None, which registers each table as a temp view and sets each parameter as the
 * Spark conf {@code cohortwatch.<name>}; and every SQL statement, in any other code cell, as {@code
 * [name =] spark.sql("""...""")} with a plain triple-quoted literal that refers to parameters as
 * {@code ${cohortwatch.<name>}} (Spark's variable substitution).
 */
record Notebook(
    String name,
    Map<String, String> parameters,
    List<String> parameterOrder,
    List<String> tables,
    Map<String, String> defaults,
    List<Statement> statements) {

  /** One spark.sql call: the cell it is in, the Python variable it is assigned to (or null). */
  record Statement(int cell, String variable, String sql) {
    String label() {
      return "cell " + cell + (variable == null ? "" : " (" + variable + ")");
    }
  }

  static final String PARAMETERS_TAG = "parameters";
  static final String SETUP_TAG = "setup";
  static final String CONF_PREFIX = "cohortwatch.";

  /** What the setup cell must do for this class to reproduce it. */
  static final List<String> SETUP_MUST_CONTAIN =
      List.of(
          "spark.read.format(\"delta\").load(f\"{warehouse}/{table}\").createOrReplaceTempView(table)",
          "spark.conf.set(f\"cohortwatch.{name}\", str(value))",
          "row = spark.sql(DEFAULTS[name]).first()",
          "spark.conf.set(\"spark.sql.session.timeZone\", \"UTC\")");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Za-z_]\\w*)\\s*=\\s*(.+)$");
  private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
  private static final Pattern SQL_CALL =
      Pattern.compile(
          "(?:([A-Za-z_]\\w*)\\s*=\\s*)?spark\\.sql\\(\\s*\"\"\"(.*?)\"\"\"\\s*\\)",
          Pattern.DOTALL);
  private static final Pattern LIST_ITEM = Pattern.compile("\"([^\"]*)\"");
  private static final Pattern DEFAULT_ENTRY =
      Pattern.compile("\"([A-Za-z_]\\w*)\"\\s*:\\s*\"\"\"(.*?)\"\"\"", Pattern.DOTALL);
  private static final Pattern PARAMETER_REFERENCE = Pattern.compile("\\$\\{cohortwatch\\.(\\w+)}");

  static Notebook parse(Path file) {
    String name = file.getFileName().toString();
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read notebook " + name, e);
    }
    check(root.path("nbformat").asInt() == 4, name, "is not nbformat 4");
    JsonNode cells = root.path("cells");
    check(cells.isArray() && cells.size() > 0, name, "has no cells");
    check(
        "markdown".equals(cells.get(0).path("cell_type").asText()),
        name,
        "does not start with a markdown cell saying what it answers");

    String parameterCell = null;
    String setupCell = null;
    List<Statement> statements = new ArrayList<>();
    for (int i = 0; i < cells.size(); i++) {
      JsonNode cell = cells.get(i);
      if (!"code".equals(cell.path("cell_type").asText())) {
        continue;
      }
      String source = source(cell.path("source"));
      Set<String> tags = new TreeSet<>();
      cell.path("metadata").path("tags").forEach(t -> tags.add(t.asText()));
      if (tags.contains(PARAMETERS_TAG)) {
        check(parameterCell == null, name, "has two cells tagged parameters");
        parameterCell = source;
      } else if (tags.contains(SETUP_TAG)) {
        check(setupCell == null, name, "has two cells tagged setup");
        setupCell = source;
      } else {
        statements.addAll(sqlCalls(name, i, source));
      }
    }
    check(parameterCell != null, name, "has no code cell tagged parameters");
    check(setupCell != null, name, "has no code cell tagged setup");
    Map<String, String> parameters = parameters(name, parameterCell);
    for (String required : SETUP_MUST_CONTAIN) {
      check(setupCell.contains(required), name, "setup cell no longer contains: " + required);
    }
    List<String> order = listOf(name, setupCell, "PARAMETERS");
    List<String> tables = listOf(name, setupCell, "TABLES");
    Map<String, String> defaults = defaults(name, setupCell);
    check(
        new TreeSet<>(order).equals(new TreeSet<>(parameters.keySet())),
        name,
        "PARAMETERS " + order + " differ from the parameter cell's " + parameters.keySet());
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      check(
          p.getValue() != null || defaults.containsKey(p.getKey()),
          name,
          "parameter " + p.getKey() + " is None but has no DEFAULTS query");
    }
    List<String> sqlTexts = new ArrayList<>(defaults.values());
    statements.forEach(s -> sqlTexts.add(s.sql()));
    for (String sql : sqlTexts) {
      Matcher m = PARAMETER_REFERENCE.matcher(sql);
      while (m.find()) {
        check(
            parameters.containsKey(m.group(1)),
            name,
            "SQL refers to ${cohortwatch." + m.group(1) + "}, which is not a parameter");
      }
    }
    return new Notebook(name, parameters, order, tables, defaults, statements);
  }

  private static String source(JsonNode source) {
    if (source.isTextual()) {
      return source.asText();
    }
    StringBuilder text = new StringBuilder();
    source.forEach(line -> text.append(line.asText()));
    return text.toString();
  }

  private static List<Statement> sqlCalls(String name, int cell, String source) {
    List<Statement> found = new ArrayList<>();
    Matcher m = SQL_CALL.matcher(source);
    while (m.find()) {
      String sql = m.group(2);
      check(
          !sql.contains("\\"),
          name,
          "cell " + cell + ": SQL with a backslash (Python would unescape it; Java would not)");
      found.add(new Statement(cell, m.group(1), sql.strip()));
    }
    int calls = source.split("spark\\.sql\\(", -1).length - 1;
    check(
        calls == found.size(),
        name,
        "cell "
            + cell
            + " calls spark.sql( in a form other than spark.sql(\"\"\"...\"\"\"), so the test"
            + " cannot run it");
    return found;
  }

  /** The parameter cell: {@code name = literal # comment} lines, comments and blank lines. */
  private static Map<String, String> parameters(String name, String cell) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String raw : cell.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = ASSIGNMENT.matcher(line);
      check(m.matches(), name, "parameter cell line is not name = literal: " + line);
      values.put(m.group(1), literal(name, m.group(2)));
    }
    check(values.containsKey("warehouse"), name, "has no warehouse parameter");
    return values;
  }

  /** A Python string, number or None followed by an optional comment; as Python's str() of it. */
  private static String literal(String name, String text) {
    String value;
    String rest;
    char first = text.charAt(0);
    if (first == '"' || first == '\'') {
      int end = text.indexOf(first, 1);
      check(end > 0, name, "unterminated string: " + text);
      value = text.substring(1, end);
      check(!value.contains("\\"), name, "escapes in a parameter string: " + text);
      rest = text.substring(end + 1).strip();
    } else {
      int hash = text.indexOf('#');
      value = (hash < 0 ? text : text.substring(0, hash)).strip();
      rest = hash < 0 ? "" : text.substring(hash);
      if ("None".equals(value)) {
        value = null;
      } else {
        check(NUMBER.matcher(value).matches(), name, "not a string, number or None: " + value);
      }
    }
    check(rest.isEmpty() || rest.startsWith("#"), name, "text after the value: " + text);
    return value;
  }

  private static List<String> listOf(String name, String setup, String variable) {
    Matcher m =
        Pattern.compile("^" + variable + "\\s*=\\s*\\[(.*?)]", Pattern.MULTILINE | Pattern.DOTALL)
            .matcher(setup);
    check(m.find(), name, "setup cell has no " + variable + " = [...]");
    List<String> items = new ArrayList<>();
    Matcher item = LIST_ITEM.matcher(m.group(1));
    while (item.find()) {
      items.add(item.group(1));
    }
    check(!items.isEmpty(), name, variable + " is empty");
    return items;
  }

  private static Map<String, String> defaults(String name, String setup) {
    Matcher block =
        Pattern.compile("^DEFAULTS\\s*=\\s*\\{(.*?)^}", Pattern.MULTILINE | Pattern.DOTALL)
            .matcher(setup);
    check(block.find(), name, "setup cell has no DEFAULTS = {...}");
    Map<String, String> queries = new LinkedHashMap<>();
    Matcher entry = DEFAULT_ENTRY.matcher(block.group(1));
    while (entry.find()) {
      queries.put(entry.group(1), entry.group(2).strip());
    }
    return queries;
  }

  private static void check(boolean ok, String notebook, String problem) {
    if (!ok) {
      throw new IllegalStateException("notebook " + notebook + " " + problem);
    }
  }
}
