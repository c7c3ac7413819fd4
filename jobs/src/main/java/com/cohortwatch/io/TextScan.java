package com.cohortwatch.io;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One streaming pass over every text input file, by Spark tasks (one per file), before Spark reads
 * it: a compressed file that cannot be read to its end is a problem file, and a record of {@link
 * #MAX_LINE_BYTES} or more is found here rather than by the reader, which would hold all of it in
 * memory (one gigabyte-long line killed the process). Memory here is one buffer and the first
 * {@link #KEEP_BYTES} of each long record.
 *
 * <p>JSON lines: each long line becomes its own quarantine row (overlong_record, text cut), and the
 * reader skips it ({@link #READER_OPTION} makes Hadoop's line reader drop lines of this length
 * without buffering them), so nothing is lost or read twice. The scanner ends lines exactly where
 * Hadoop's LineReader does (LF, CR or CRLF; a leading UTF-8 byte-order mark not counted). CSV: a
 * quoted field may span lines and the CSV reader cannot skip one record, so a file with a record
 * this long becomes one problem file, as does any file with more than {@link #MAX_LONG_PER_FILE}
 * long lines (their first bytes would otherwise all travel to the driver).
 */
final class TextScan {
  private TextScan() {}

  /** Records of this many bytes or more (with their line end) are never handed to the reader. */
  static final int MAX_LINE_BYTES = 1 << 20;

  /** Hadoop's setting that makes its line reader skip such lines; set as a read option. */
  static final String READER_OPTION = "mapreduce.input.linerecordreader.line.maxlength";

  /** Enough bytes for more than the quarantine's cut, in any UTF-8 (at most 4 bytes a char). */
  static final int KEEP_BYTES = 4 * (InputReader.MAX_RECORD_CHARS + 1);

  static final int MAX_LONG_PER_FILE = 20;

  /** What the pass found: whole-file problems, and the long lines of the other JSON files. */
  record Found(Map<String, String> problems, Map<String, List<String>> longLines) {}

  /** One file's result; plain fields so that Spark can ship it back. */
  static final class FileResult implements Serializable {
    private static final long serialVersionUID = 1L;
    String file;
    String problem;
    final ArrayList<String> longLines = new ArrayList<>();
  }

  static Found scan(SparkSession spark, List<String> files, boolean csv) {
    Map<String, String> problems = new LinkedHashMap<>();
    Map<String, List<String>> longLines = new LinkedHashMap<>();
    if (files.isEmpty()) {
      return new Found(problems, longLines);
    }
    HashMap<String, String> settings = new HashMap<>();
    spark.sparkContext().hadoopConfiguration().forEach(e -> settings.put(e.getKey(), e.getValue()));
    List<FileResult> results =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(files, Math.min(files.size(), 64))
            .map(f -> scanFile(settings, f, csv))
            .filter(r -> r.problem != null || !r.longLines.isEmpty())
            .collect();
    for (FileResult r : results) {
      if (r.problem != null) {
        problems.put(r.file, r.problem);
      } else {
        longLines.put(r.file, r.longLines);
      }
    }
    return new Found(problems, longLines);
  }

  /**
   * The lines of a file the scan found long lines in, read as one split: Spark's text source splits
   * a big file into ranges, and a range that starts inside a long line emits its tail as a record
   * (one 1.2 GB line came out as eight 1 MB fragments). Only such files come here. Columns: value,
   * and the file as {@code sourceColumn}.
   */
  static Dataset<Row> unsplitLines(SparkSession spark, String file, String sourceColumn) {
    Configuration conf = new Configuration(spark.sparkContext().hadoopConfiguration());
    conf.setInt(READER_OPTION, MAX_LINE_BYTES);
    conf.setLong(FileInputFormat.SPLIT_MINSIZE, Long.MAX_VALUE);
    String source = InputReader.sourceName(file);
    JavaRDD<Row> rows =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .newAPIHadoopFile(file, TextInputFormat.class, LongWritable.class, Text.class, conf)
            // the reader reuses its Text: copy each value out at once
            .map(t -> RowFactory.create(t._2().toString(), source));
    return spark.createDataFrame(
        rows,
        new StructType()
            .add("value", DataTypes.StringType)
            .add(sourceColumn, DataTypes.StringType));
  }

  static FileResult scanFile(Map<String, String> settings, String file, boolean csv) {
    Configuration conf = new Configuration(false);
    settings.forEach(conf::set);
    Path path = new Path(file);
    FileResult result = new FileResult();
    result.file = file;
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
    try (InputStream raw = path.getFileSystem(conf).open(path);
        InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
      Lines lines = new Lines(csv);
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        lines.accept(buf, n);
        if (lines.tooMany()) {
          break;
        }
      }
      lines.end();
      if (csv && lines.longCount > 0) {
        result.problem =
            "a record of "
                + MAX_LINE_BYTES
                + " bytes or more (line "
                + lines.firstLongLine
                + "); the file was not read";
      } else if (lines.tooMany()) {
        result.problem =
            "more than " + MAX_LONG_PER_FILE + " lines of " + MAX_LINE_BYTES + " bytes or more";
      } else {
        result.longLines.addAll(lines.kept);
      }
    } catch (Exception e) {
      result.problem =
          codec == null
              ? "cannot be read (" + e.getClass().getSimpleName() + ")"
              : "truncated or corrupt compressed file (" + e.getClass().getSimpleName() + ")";
    }
    return result;
  }

  /**
   * Splits a byte stream into records the way the readers do and keeps the start of each long one.
   * For CSV a line end inside double quotes does not end the record (a doubled quote toggles twice,
   * so it needs no special case).
   */
  static final class Lines {
    private final boolean csv;
    private final ByteArrayOutputStream prefix = new ByteArrayOutputStream();
    final List<String> kept = new ArrayList<>();
    private long bytes;
    private long line = 1;
    private long recordStartLine = 1;
    private boolean afterCr;
    private boolean quoted;
    private boolean first = true;
    int longCount;
    long firstLongLine;

    Lines(boolean csv) {
      this.csv = csv;
    }

    boolean tooMany() {
      return longCount > MAX_LONG_PER_FILE;
    }

    /**
     * Counts the bytes one at a time but copies a line's content into its kept start in runs, not
     * with a call per byte (the stream's write is synchronised): at 1M accounts this pass was 275 s
     * of the cold ingest's task time.
     */
    void accept(byte[] buf, int n) {
      int run = 0; // where the content bytes not yet kept begin
      for (int i = 0; i < n; i++) {
        byte b = buf[i];
        if (b == '\n' || b == '\r') {
          keep(buf, run, i);
          run = i + 1;
          if (afterCr) {
            afterCr = false;
            if (b == '\n') {
              bytes++;
              endOfLine();
              continue;
            }
            endOfLine();
          }
          bytes++;
          if (b == '\n') {
            endOfLine();
          } else {
            afterCr = true;
          }
        } else {
          if (afterCr) {
            afterCr = false;
            endOfLine(); // a lone CR ended the line; this byte starts the next (run is here)
          }
          if (csv && b == '"') {
            quoted = !quoted;
          }
          bytes++;
        }
      }
      keep(buf, run, n);
    }

    private void keep(byte[] buf, int from, int to) {
      int room = KEEP_BYTES - prefix.size();
      if (room > 0 && to > from) {
        prefix.write(buf, from, Math.min(room, to - from));
      }
    }

    void end() {
      if (afterCr || bytes > 0) {
        afterCr = false;
        endOfLine();
      }
    }

    private void endOfLine() {
      line++;
      if (csv && quoted) {
        return; // the record goes on past this line end
      }
      long size = bytes;
      if (first && startsWithByteOrderMark()) {
        size -= 3;
      }
      first = false;
      if (size >= MAX_LINE_BYTES) {
        longCount++;
        if (firstLongLine == 0) {
          firstLongLine = recordStartLine;
        }
        if (!csv && kept.size() < MAX_LONG_PER_FILE) {
          String text = new String(prefix.toByteArray(), StandardCharsets.UTF_8);
          int keep = InputReader.MAX_RECORD_CHARS + 1;
          kept.add(text.length() > keep ? text.substring(0, keep) : text);
        }
      }
      bytes = 0;
      prefix.reset();
      recordStartLine = line;
    }

    private boolean startsWithByteOrderMark() {
      byte[] p = prefix.toByteArray();
      return p.length >= 3 && p[0] == (byte) 0xEF && p[1] == (byte) 0xBB && p[2] == (byte) 0xBF;
    }
  }
}
