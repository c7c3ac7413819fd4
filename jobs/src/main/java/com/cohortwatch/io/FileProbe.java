package com.cohortwatch.io;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Whole-file checks before a table is read, so one bad file becomes one quarantine row instead of a
 * failed run: a Parquet file that is not Parquet (or empty), a CSV header that names a contract
 * column twice or is missing; and the rows that stand for files or lines {@link TextScan} found
 * unreadable.
 */
final class FileProbe {
  private FileProbe() {}

  static final String PROBLEM = "\u0000problem:";

  /** The file's Parquet schema as text (files are read in groups of one schema), or a problem. */
  static String parquetSchema(Configuration conf, String file) {
    try (ParquetFileReader reader =
        ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), conf))) {
      return reader.getFooter().getFileMetaData().getSchema().toString();
    } catch (Exception e) {
      return PROBLEM + "not a readable Parquet file (" + e.getClass().getSimpleName() + ")";
    }
  }

  /** Why a CSV header cannot be matched to the contract's columns by name, or null. */
  static String csvHeaderProblem(InputTable table, List<String> header) {
    if (header == null || header.isEmpty() || header.equals(List.of(""))) {
      return "no header row (empty or unreadable file)";
    }
    Set<String> seen = new HashSet<>();
    for (String name : header) {
      if (table.allColumns().contains(name) && !seen.add(name)) {
        return "the header names " + name + " twice";
      }
    }
    return null;
  }

  /** One row per bad file, in the shape of the table's raw frame. */
  static Dataset<Row> problemRows(SparkSession spark, InputTable table, Map<String, String> bad) {
    int n = table.allColumns().size();
    List<Row> rows = new ArrayList<>();
    bad.forEach(
        (file, problem) -> {
          Object[] values = new Object[n + 5];
          values[n] = "[file " + file + "]";
          values[n + 1] = false;
          values[n + 3] = InputReader.sourceName(file);
          values[n + 4] = new Path(file).getName() + ": " + problem;
          rows.add(RowFactory.create(values));
        });
    return spark.createDataFrame(rows, rawFrameSchema(table));
  }

  /**
   * One row per line too long to read (found by {@link TextScan}), in the shape of the table's raw
   * frame: its first characters as the raw text, which validation quarantines as overlong.
   */
  static Dataset<Row> longLineRows(
      SparkSession spark, InputTable table, Map<String, List<String>> longLines) {
    int n = table.allColumns().size();
    List<Row> rows = new ArrayList<>();
    longLines.forEach(
        (file, starts) -> {
          for (String start : starts) {
            Object[] values = new Object[n + 5];
            values[n] = start;
            values[n + 1] = true;
            values[n + 3] = InputReader.sourceName(file);
            rows.add(RowFactory.create(values));
          }
        });
    return spark.createDataFrame(rows, rawFrameSchema(table));
  }

  private static StructType rawFrameSchema(InputTable table) {
    return Schemas.inputAsText(table)
        .add(Cols.RAW, DataTypes.StringType)
        .add(InputReader.MALFORMED, DataTypes.BooleanType)
        .add(InputReader.WRONG_TYPE_COLUMN, DataTypes.StringType)
        .add(InputReader.SOURCE_FILE, DataTypes.StringType)
        .add(InputReader.FILE_PROBLEM, DataTypes.StringType);
  }
}
