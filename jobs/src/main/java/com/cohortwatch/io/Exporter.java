package com.cohortwatch.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.schema.Cols;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes one table (one run_date of it) to a single JSON Lines or CSV file with Spark's own
 * writers: the rows are written by executors to a temporary folder next to the target, then the one
 * part file is renamed into place.
 */
public final class Exporter {
  private Exporter() {}

  public enum Format {
    JSONL,
    CSV
  }

  /** The rows of a table to export: the given run_date, the newest, or the whole table. */
  public static Dataset<Row> select(Dataset<Row> table, LocalDate date) {
    boolean hasRunDate = Arrays.asList(table.columns()).contains(Cols.RUN_DATE);
    if (!hasRunDate) {
      if (date != null) {
        throw new CohortWatchException("this table has no run_date: export it without --date");
      }
      return table;
    }
    if (date != null) {
      return table.filter(col(Cols.RUN_DATE).equalTo(lit(java.sql.Date.valueOf(date))));
    }
    Row newest = table.agg(max(col(Cols.RUN_DATE))).first();
    if (newest.isNullAt(0)) {
      return table;
    }
    return table.filter(col(Cols.RUN_DATE).equalTo(lit(newest.getDate(0))));
  }

  /**
   * CSV has no arrays or maps: those columns are written as JSON text. Text that a spreadsheet
   * would run as a formula (starting with {@code = + - @}, tab or carriage return, OWASP's list)
   * gets a leading {@code '}: the values come from the people we hunt (user agents, device ids),
   * and an analyst opens the export in Excel or LibreOffice.
   */
  static Dataset<Row> flattenForCsv(Dataset<Row> rows) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : rows.schema().fields()) {
      boolean nested =
          f.dataType() instanceof ArrayType
              || f.dataType() instanceof MapType
              || f.dataType() instanceof StructType;
      Column c = nested ? to_json(col(f.name())) : col(f.name());
      if (nested || f.dataType() instanceof StringType) {
        c = neutralised(c);
      }
      columns.add(c.as(f.name()));
    }
    return rows.select(columns.toArray(new Column[0]));
  }

  /** Characters that make a spreadsheet cell a formula when they come first. */
  static final String FORMULA_START = "^[=+\\-@\t\r]";

  static Column neutralised(Column text) {
    return when(text.rlike(FORMULA_START), concat(lit("'"), text)).otherwise(text);
  }

  /** Writes the rows to {@code out} and returns how many were written. */
  public static long write(Dataset<Row> rows, Format format, String out) {
    Path target = new Path(out);
    Path staging = new Path(out + ".cohortwatch-tmp");
    try {
      FileSystem fs =
          target.getFileSystem(rows.sparkSession().sparkContext().hadoopConfiguration());
      fs.delete(staging, true);
      Dataset<Row> single = rows.coalesce(1);
      if (format == Format.CSV) {
        // RFC 4180: every field quoted, a quote inside doubled ("" not Spark's default \"),
        // so no value can end its cell early or start a row; newlines stay inside the quotes.
        flattenForCsv(single)
            .write()
            .mode(SaveMode.Overwrite)
            .option("header", "true")
            .option("quoteAll", "true")
            .option("escape", "\"")
            .csv(staging.toString());
      } else {
        single
            .write()
            .mode(SaveMode.Overwrite)
            .option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .option("ignoreNullFields", "false")
            .json(staging.toString());
      }
      Path part = null;
      for (FileStatus s : fs.listStatus(staging)) {
        if (s.getPath().getName().startsWith("part-")) {
          part = s.getPath();
        }
      }
      if (part == null) {
        throw new CohortWatchException("export produced no file");
      }
      fs.delete(target, false);
      if (target.getParent() != null) {
        fs.mkdirs(target.getParent());
      }
      if (!fs.rename(part, target)) {
        throw new CohortWatchException("cannot move export into " + out);
      }
      fs.delete(staging, true);
      // Read back what landed, so the reported count is the file's, not the plan's.
      return format == Format.CSV
          ? rows.sparkSession()
              .read()
              .option("header", "true")
              .option("multiLine", "true")
              .option("escape", "\"")
              .csv(out)
              .count()
          : rows.sparkSession().read().text(out).count();
    } catch (IOException e) {
      throw new CohortWatchException("cannot write " + out + ": " + e.getMessage());
    }
  }
}
