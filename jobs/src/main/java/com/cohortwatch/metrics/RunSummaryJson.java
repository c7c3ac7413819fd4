package com.cohortwatch.metrics;

import com.cohortwatch.schema.Schemas;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import scala.collection.JavaConverters;

/**
 * `--summary-json FILE`: a run's final run_metrics row as one JSON object with the table's column
 * names, for cron, CI and alerting. Timestamps are ISO-8601 UTC, dates YYYY-MM-DD, the per-table
 * maps JSON objects; a column without a value is null.
 */
public final class RunSummaryJson {
  private RunSummaryJson() {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The JSON of one run_metrics row (any Row with the run_metrics columns, by name). */
  public static String of(Row row) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (StructField f : Schemas.RUN_METRICS.fields()) {
      int i = row.fieldIndex(f.name());
      out.put(f.name(), row.isNullAt(i) ? null : plain(row.get(i)));
    }
    return write(out);
  }

  /**
   * A run that failed before it could write its first run_metrics row (a run date in the future, a
   * warehouse it cannot write): the same shape, with what is known.
   */
  public static String failedBeforeStart(
      String command, LocalDate runDate, Instant startedAt, String message) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (StructField f : Schemas.RUN_METRICS.fields()) {
      out.put(f.name(), null);
    }
    out.put(Schemas.COMMAND, command);
    out.put(com.cohortwatch.schema.Cols.RUN_DATE, runDate == null ? null : runDate.toString());
    out.put(Schemas.STARTED_AT, startedAt.toString());
    out.put(Schemas.FINISHED_AT, Instant.now().toString());
    out.put(Schemas.STATUS, RunMetrics.FAILED);
    out.put(Schemas.MESSAGE, message);
    return write(out);
  }

  private static String write(Map<String, Object> out) {
    try {
      return JSON.writeValueAsString(out) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("run summary not serialisable", e);
    }
  }

  private static Object plain(Object v) {
    if (v instanceof Timestamp t) {
      return t.toInstant().toString();
    }
    if (v instanceof Date d) {
      return d.toLocalDate().toString();
    }
    if (v instanceof scala.collection.Map<?, ?> m) {
      Map<String, Object> map = new java.util.TreeMap<>();
      JavaConverters.mapAsJavaMap(m).forEach((k, x) -> map.put(String.valueOf(k), plain(x)));
      return map;
    }
    if (v instanceof scala.collection.Seq<?> seq) {
      List<Object> list = new ArrayList<>();
      JavaConverters.seqAsJavaList(seq).forEach(x -> list.add(plain(x)));
      return list;
    }
    if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
      return null;
    }
    return v;
  }
}
