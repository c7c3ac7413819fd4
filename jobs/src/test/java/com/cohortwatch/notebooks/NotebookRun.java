package com.cohortwatch.notebooks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a notebook's SQL as its setup cell would: in a fresh session (its own temp views and conf),
 * the tables as temp views, each parameter as the conf {@code cohortwatch.<name>} (a None one
 * filled in by its DEFAULTS query), then every statement in cell order, collected.
 */
final class NotebookRun {
  /** More rows than any notebook query returns on the sample warehouse; a guard, not a limit. */
  private static final int MAX_ROWS = 10_000;

  final Notebook notebook;

  /** The parameter values the statements ran with, defaults resolved. */
  final Map<String, String> parameters = new LinkedHashMap<>();

  /** Rows of each statement assigned to a Python variable, by that variable. */
  final Map<String, List<Row>> results = new LinkedHashMap<>();

  /** Seconds each statement took, by its label; the setup as "setup". */
  final Map<String, Double> seconds = new LinkedHashMap<>();

  /** How many statements ran. */
  int statementsRun;

  private NotebookRun(Notebook notebook) {
    this.notebook = notebook;
  }

  /**
   * @param overrides parameter values to use instead of the parameter cell's (the warehouse)
   * @param ansi run with ANSI SQL on (the default of Spark 4 and Databricks SQL)
   */
  static NotebookRun run(
      SparkSession base, Notebook notebook, Map<String, String> overrides, boolean ansi) {
    NotebookRun run = new NotebookRun(notebook);
    SparkSession session = base.newSession();
    session.conf().set("spark.sql.session.timeZone", "UTC");
    session.conf().set("spark.sql.variable.substitute", "true");
    session.conf().set("spark.sql.ansi.enabled", String.valueOf(ansi));

    long start = System.nanoTime();
    Map<String, String> values = new LinkedHashMap<>(notebook.parameters());
    values.putAll(overrides);
    String warehouse = values.get("warehouse");
    for (String table : notebook.tables()) {
      try {
        session.read().format("delta").load(warehouse + "/" + table).createOrReplaceTempView(table);
      } catch (Exception e) {
        throw new AssertionError(
            "notebook " + notebook.name() + " setup: cannot read table " + table, e);
      }
    }
    for (String name : notebook.parameterOrder()) {
      String value = values.get(name);
      if (value == null) {
        value = resolveDefault(session, notebook, name);
      }
      run.parameters.put(name, value);
      session.conf().set(Notebook.CONF_PREFIX + name, value);
    }
    run.seconds.put("setup", (System.nanoTime() - start) / 1e9);
    for (Notebook.Statement statement : notebook.statements()) {
      List<Row> rows;
      start = System.nanoTime();
      try {
        rows = new ArrayList<>(session.sql(statement.sql()).limit(MAX_ROWS).collectAsList());
      } catch (Exception e) {
        throw new AssertionError(
            "notebook "
                + notebook.name()
                + " "
                + statement.label()
                + " fails: "
                + e.getMessage()
                + "\n"
                + statement.sql(),
            e);
      }
      run.seconds.put(statement.label(), (System.nanoTime() - start) / 1e9);
      run.statementsRun++;
      if (statement.variable() != null) {
        run.results.put(statement.variable(), rows);
      }
    }
    return run;
  }

  private static String resolveDefault(SparkSession session, Notebook notebook, String name) {
    String query = notebook.defaults().get(name);
    List<Row> rows;
    try {
      rows = session.sql(query).takeAsList(1);
    } catch (Exception e) {
      throw new AssertionError(
          "notebook " + notebook.name() + " setup: DEFAULTS query of " + name + " fails", e);
    }
    if (rows.isEmpty() || rows.get(0).isNullAt(0)) {
      throw new AssertionError(
          "notebook " + notebook.name() + " setup: DEFAULTS query of " + name + " found nothing");
    }
    return rows.get(0).get(0).toString();
  }

  /** The rows of the statement assigned to {@code variable}; fails if there is none. */
  List<Row> rows(String variable) {
    List<Row> rows = results.get(variable);
    if (rows == null) {
      throw new AssertionError(
          "notebook " + notebook.name() + " has no statement assigned to " + variable);
    }
    return rows;
  }
}
