package com.cohortwatch.io;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Reads one input table into a uniform "raw frame": every contract column as text (null when the
 * file lacks it; extra columns are dropped), the record's raw text, whether it could be parsed at
 * all, which typed column had the wrong type, and where it came from. Validation works on this
 * frame whatever the file format was.
 */
public final class InputReader {
  private InputReader() {}

  /**
   * Longer records are quarantined (as overlong_record) and every quarantined text is cut here; the
   * reader keeps only enough of a longer line to show it.
   */
  public static final int MAX_RECORD_CHARS = 100_000;

  public static final String MALFORMED = "_malformed";
  public static final String WRONG_TYPE_COLUMN = "_wrong_type";
  public static final String SOURCE_FILE = "_source_file";

  /**
   * A file's name in {@link #SOURCE_FILE}: its URI, escaped (a space is %20) and without an empty
   * authority ({@code file:/tmp/x}; Spark's reader says {@code file:///tmp/x}, a listed path {@code
   * file:/tmp/x}). Rows found by the scan, read unsplit, or tagged by the reader name each file the
   * same way, so that dedup's order by file and the quarantine see one file once.
   */
  static String sourceName(String file) {
    return new org.apache.hadoop.fs.Path(file)
        .toUri()
        .toString()
        .replaceFirst(EMPTY_AUTHORITY, EMPTY_AUTHORITY_REPLACEMENT);
  }

  private static final String EMPTY_AUTHORITY = "^([A-Za-z][A-Za-z0-9+.-]*):///";
  private static final String EMPTY_AUTHORITY_REPLACEMENT = "$1:/";

  /** The reader's file of each row, named as {@link #sourceName} names it. */
  private static Column sourceFile() {
    return regexp_replace(input_file_name(), EMPTY_AUTHORITY, EMPTY_AUTHORITY_REPLACEMENT);
  }

  public static final String ROW_ORDER = "_row_order";

  /** Why a whole file could not be read (one row per such file), else null. */
  public static final String FILE_PROBLEM = "_file_problem";

  private static final String CORRUPT = "_corrupt_record";

  public static Dataset<Row> read(
      SparkSession spark, InputTable table, InputFiles.Listing listing) {
    if (listing.isEmpty()) {
      throw new IllegalArgumentException("no files for " + table.folder());
    }
    // Each unreadable file becomes one quarantine row; the others are read.
    Map<String, String> problems = new LinkedHashMap<>();
    List<String> readable = new ArrayList<>();
    Map<String, List<String>> parquetBySchema = new LinkedHashMap<>();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    // Text files are streamed once first: corrupt compression and huge records are found there,
    // before anything (the CSV header read below included) holds a line in memory.
    TextScan.Found scanned =
        listing.format() == InputFiles.Format.PARQUET
            ? new TextScan.Found(Map.of(), Map.of())
            : TextScan.scan(spark, listing.files(), listing.format() == InputFiles.Format.CSV);
    problems.putAll(scanned.problems());
    for (String file : listing.files()) {
      if (problems.containsKey(file)) {
        continue;
      }
      String problem = null;
      if (listing.format() == InputFiles.Format.PARQUET) {
        String schema = FileProbe.parquetSchema(conf, file);
        if (schema.startsWith(FileProbe.PROBLEM)) {
          problem = schema.substring(FileProbe.PROBLEM.length());
        } else {
          parquetBySchema.computeIfAbsent(schema, k -> new ArrayList<>()).add(file);
        }
      } else if (listing.format() == InputFiles.Format.CSV) {
        problem = FileProbe.csvHeaderProblem(table, readHeader(spark, file));
      }
      if (problem == null) {
        readable.add(file);
      } else {
        problems.put(file, problem);
      }
    }
    Dataset<Row> frame = null;
    if (!readable.isEmpty()) {
      frame =
          switch (listing.format()) {
            case JSON -> readJson(spark, table, readable, scanned.longLines().keySet());
            case CSV -> readCsv(spark, table, readable);
            case PARQUET -> {
              // Files whose column types differ are read apart: one read would fail on them all.
              Dataset<Row> union = null;
              for (List<String> group : parquetBySchema.values()) {
                group.retainAll(readable);
                if (!group.isEmpty()) {
                  Dataset<Row> part = readParquet(spark, table, group);
                  union = union == null ? part : union.unionByName(part);
                }
              }
              yield union;
            }
          };
      frame = frame.withColumn(FILE_PROBLEM, lit(null).cast("string"));
    }
    if (!problems.isEmpty()) {
      Dataset<Row> bad = FileProbe.problemRows(spark, table, problems);
      frame = frame == null ? bad : frame.unionByName(bad);
    }
    if (!scanned.longLines().isEmpty()) {
      Dataset<Row> longRows = FileProbe.longLineRows(spark, table, scanned.longLines());
      frame = frame == null ? longRows : frame.unionByName(longRows);
    }
    frame = frame.withColumn(ROW_ORDER, monotonically_increasing_id());
    if (table.partitionedByDay()) {
      frame =
          frame.withColumn(
              Cols.LANDED_DATE,
              regexp_extract(col(SOURCE_FILE), "date=(\\d{4}-\\d{2}-\\d{2})", 1).cast("date"));
    }
    return frame;
  }

  private static Dataset<Row> readJson(
      SparkSession spark, InputTable table, List<String> files, Set<String> withLongLines) {
    StructType schema = Schemas.inputAsText(table).add(CORRUPT, DataTypes.StringType);
    Map<String, String> options = new LinkedHashMap<>();
    options.put("mode", "PERMISSIVE");
    options.put("columnNameOfCorruptRecord", CORRUPT);
    List<String> plain = new ArrayList<>(files);
    plain.removeAll(withLongLines);
    Dataset<Row> lines = null;
    if (!plain.isEmpty()) {
      lines =
          spark
              .read()
              // lines this long were found by the scan and become their own quarantine rows
              .option(TextScan.READER_OPTION, String.valueOf(TextScan.MAX_LINE_BYTES))
              .text(plain.toArray(new String[0]))
              .withColumn(SOURCE_FILE, sourceFile());
    }
    for (String file : files) {
      if (withLongLines.contains(file)) {
        Dataset<Row> whole = TextScan.unsplitLines(spark, file, SOURCE_FILE);
        lines = lines == null ? whole : lines.unionByName(whole);
      }
    }
    lines = lines.filter(trim(col("value")).notEqual(""));
    Column parsed = from_json(col("value"), schema, options);
    Dataset<Row> withParsed = lines.withColumn("_p", parsed);
    List<Column> columns = new ArrayList<>();
    for (String name : table.allColumns()) {
      columns.add(col("_p." + name).as(name));
    }
    // A line that is JSON but not an object (an array, a bare string) parses to a null struct.
    // The parser stops after the first value, so a line holding two records ({..}{..} or
    // {..},{..}) or a record and trailing text would lose the rest without a trace: read as the
    // elements of an array, such a line is not exactly one element.
    Column oneValue =
        coalesce(
            org.apache.spark.sql.functions.expr("json_array_length(concat('[', value, ']'))"),
            lit(0));
    Column malformed =
        col("_p")
            .isNull()
            .or(col("_p." + CORRUPT).isNotNull())
            .or(col("value").startsWith("["))
            .or(oneValue.notEqual(lit(1)));
    columns.add(col("value").as(Cols.RAW));
    columns.add(when(malformed, lit(true)).otherwise(lit(false)).as(MALFORMED));
    columns.add(lit(null).cast("string").as(WRONG_TYPE_COLUMN));
    columns.add(col(SOURCE_FILE));
    return withParsed.select(columns.toArray(new Column[0]));
  }

  private static Dataset<Row> readCsv(SparkSession spark, InputTable table, List<String> files) {
    // Files of one table may carry different headers (columns added over time): read each
    // header group with its own schema, so columns are matched by name, not position.
    Map<List<String>, List<String>> byHeader = new LinkedHashMap<>();
    for (String file : files) {
      byHeader.computeIfAbsent(readHeader(spark, file), h -> new ArrayList<>()).add(file);
    }
    Dataset<Row> union = null;
    for (Map.Entry<List<String>, List<String>> group : byHeader.entrySet()) {
      // Columns by header name when it is a plain name seen once, else by position (_h3): a
      // dotted, empty or repeated extra name cannot break the read. Extra columns are ignored.
      List<String> header = group.getKey();
      List<String> names = new ArrayList<>();
      Set<String> seen = new java.util.HashSet<>();
      for (int i = 0; i < header.size(); i++) {
        String name = header.get(i);
        boolean plain = name.matches("[A-Za-z0-9_]+") && !name.startsWith("_") && seen.add(name);
        names.add(plain ? name : "_h" + i);
      }
      StructType schema = new StructType();
      for (String name : names) {
        schema = schema.add(name, DataTypes.StringType);
      }
      schema = schema.add(CORRUPT, DataTypes.StringType);
      Dataset<Row> read =
          spark
              .read()
              .option("header", "true")
              // RFC 4180: a quoted field may hold newlines and "" stands for a quote. Without
              // multiLine a newline inside a quoted user_agent started a forged record; with
              // Spark's default backslash escape a value ending in one swallowed the rest of its
              // row.
              .option("multiLine", "true")
              .option("escape", "\"")
              .option("mode", "PERMISSIVE")
              .option("columnNameOfCorruptRecord", CORRUPT)
              .option("enforceSchema", "true")
              .schema(schema)
              .csv(group.getValue().toArray(new String[0]))
              .withColumn(SOURCE_FILE, sourceFile());
      List<Column> columns = new ArrayList<>();
      List<Column> rawParts = new ArrayList<>();
      for (String name : table.allColumns()) {
        Column c = names.contains(name) ? col(name) : lit(null).cast("string");
        columns.add(c.as(name));
      }
      for (String name : names) {
        rawParts.add(col(name));
      }
      columns.add(
          coalesce(col(CORRUPT), to_json(struct(rawParts.toArray(new Column[0])))).as(Cols.RAW));
      columns.add(col(CORRUPT).isNotNull().as(MALFORMED));
      columns.add(lit(null).cast("string").as(WRONG_TYPE_COLUMN));
      columns.add(col(SOURCE_FILE));
      Dataset<Row> frame = read.select(columns.toArray(new Column[0]));
      union = union == null ? frame : union.unionByName(frame);
    }
    return union;
  }

  static List<String> readHeader(SparkSession spark, String file) {
    Path path = new Path(file);
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (InputStream raw = fs.open(path);
          InputStream in = decompressed(spark, path, raw);
          BufferedReader reader =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String header = reader.readLine();
        if (header == null) {
          return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String name : header.replace("\uFEFF", "").split(",", -1)) {
          names.add(name.strip().replace("\"", ""));
        }
        return names;
      }
    } catch (IOException | RuntimeException e) {
      // Reported by the probe as the file's quarantine row.
      return null;
    }
  }

  /** The file's bytes through the Hadoop codec its extension names (gz, bz2, ...), as Spark. */
  static InputStream decompressed(SparkSession spark, Path path, InputStream raw)
      throws IOException {
    CompressionCodec codec =
        new CompressionCodecFactory(spark.sparkContext().hadoopConfiguration()).getCodec(path);
    return codec == null ? raw : codec.createInputStream(raw);
  }

  private static Dataset<Row> readParquet(
      SparkSession spark, InputTable table, List<String> files) {
    Dataset<Row> read =
        spark.read().parquet(files.toArray(new String[0])).withColumn(SOURCE_FILE, sourceFile());
    Map<String, DataType> types = new LinkedHashMap<>();
    for (StructField f : read.schema().fields()) {
      types.put(f.name(), f.dataType());
    }
    List<Column> columns = new ArrayList<>();
    Column wrongType = lit(null).cast("string");
    List<Column> rawParts = new ArrayList<>();
    for (String name : table.allColumns()) {
      DataType type = types.get(name);
      if (type == null) {
        columns.add(lit(null).cast("string").as(name));
        continue;
      }
      rawParts.add(col(name));
      if (acceptable(name, type)) {
        columns.add(asText(name, type).as(name));
      } else {
        // The value cannot be read as the contract's type: keep the row for quarantine.
        columns.add(lit(null).cast("string").as(name));
        wrongType =
            when(col(name).isNotNull().and(wrongType.isNull()), lit(name)).otherwise(wrongType);
      }
    }
    columns.add(to_json(struct(rawParts.toArray(new Column[0]))).as(Cols.RAW));
    columns.add(lit(false).as(MALFORMED));
    columns.add(wrongType.as(WRONG_TYPE_COLUMN));
    columns.add(col(SOURCE_FILE));
    return read.select(columns.toArray(new Column[0]));
  }

  private static final Set<String> TIME_COLUMNS =
      Set.of(Cols.EVENT_TIME, Cols.CREATED_AT, Cols.ADDED_AT, Cols.DECIDED_AT);

  private static boolean acceptable(String name, DataType type) {
    if (type instanceof StringType) {
      return true;
    }
    if (TIME_COLUMNS.contains(name)) {
      return type instanceof TimestampType
          || type instanceof TimestampNTZType
          || type instanceof DateType;
    }
    if (name.equals(Cols.SUCCESS)) {
      return type instanceof BooleanType;
    }
    if (name.equals(Cols.ASN)) {
      return type instanceof NumericType;
    }
    return false;
  }

  private static Column asText(String name, DataType type) {
    if (type instanceof TimestampType) {
      return date_format(col(name), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'");
    }
    if (type instanceof TimestampNTZType) {
      // A timestamp without zone breaks the contract (Z or offset required): leave it as text
      // without zone so validation rejects it as invalid_timestamp.
      return date_format(col(name), "yyyy-MM-dd'T'HH:mm:ss");
    }
    if (type instanceof DateType) {
      return date_format(col(name), "yyyy-MM-dd");
    }
    return col(name).cast("string");
  }
}
