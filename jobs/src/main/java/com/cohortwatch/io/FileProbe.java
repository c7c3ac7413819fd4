package com.cohortwatch.io;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Whole-file checks before a table is read, so one bad file becomes one quarantine row instead of a
 * failed run: a Parquet file that is not Parquet (or empty), a CSV header that names a contract
 * column twice or is missing, a compressed file that is truncated or corrupt.
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

  /**
   * Compressed files that cannot be read to their end (a truncated .gz, a corrupt .bz2), each with
   * why. Each file is streamed through its Hadoop codec by a Spark task, not by the driver.
   */
  static Map<String, String> compressedProblems(SparkSession spark, List<String> files) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
    List<String> compressed = new ArrayList<>();
    for (String f : files) {
      if (codecs.getCodec(new Path(f)) != null) {
        compressed.add(f);
      }
    }
    Map<String, String> problems = new LinkedHashMap<>();
    if (compressed.isEmpty()) {
      return problems;
    }
    HashMap<String, String> settings = new HashMap<>();
    conf.forEach(e -> settings.put(e.getKey(), e.getValue()));
    List<Tuple2<String, String>> found =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(compressed, Math.min(compressed.size(), 64))
            .map(f -> new Tuple2<>(f, streamThrough(settings, f)))
            .filter(t -> t._2() != null)
            .collect();
    found.forEach(t -> problems.put(t._1(), t._2()));
    return problems;
  }

  private static String streamThrough(Map<String, String> settings, String file) {
    Configuration conf = new Configuration(false);
    settings.forEach(conf::set);
    Path path = new Path(file);
    try (InputStream raw = path.getFileSystem(conf).open(path);
        InputStream in = new CompressionCodecFactory(conf).getCodec(path).createInputStream(raw)) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // read to the end: a truncated stream fails here
      }
      return null;
    } catch (Exception e) {
      return "truncated or corrupt compressed file (" + e.getClass().getSimpleName() + ")";
    }
  }

  /** One row per bad file, in the shape of the table's raw frame. */
  static Dataset<Row> problemRows(SparkSession spark, InputTable table, Map<String, String> bad) {
    StructType schema =
        Schemas.inputAsText(table)
            .add(Cols.RAW, DataTypes.StringType)
            .add(InputReader.MALFORMED, DataTypes.BooleanType)
            .add(InputReader.WRONG_TYPE_COLUMN, DataTypes.StringType)
            .add(InputReader.SOURCE_FILE, DataTypes.StringType)
            .add(InputReader.FILE_PROBLEM, DataTypes.StringType);
    int n = table.allColumns().size();
    List<Row> rows = new ArrayList<>();
    bad.forEach(
        (file, problem) -> {
          Object[] values = new Object[n + 5];
          values[n] = "[file " + file + "]";
          values[n + 1] = false;
          values[n + 3] = file;
          values[n + 4] = new Path(file).getName() + ": " + problem;
          rows.add(RowFactory.create(values));
        });
    return spark.createDataFrame(rows, schema);
  }
}
