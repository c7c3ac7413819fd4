package com.cohortwatch.pipeline;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.io.Exporter;
import com.cohortwatch.io.TextFile;
import com.cohortwatch.io.Warehouse;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The moderation feed's version cursor ({@code export --changes-since ... --cursor-file FILE}): a
 * small file holding the last account_risk version delivered. When it exists it replaces
 * --changes-since, so a night whose feed failed is delivered by the next one (the DATE form would
 * skip it); after a successful export it holds the new version. The feed file is written before the
 * cursor: a crash between the two delivers those changes again, never loses them.
 */
public final class FeedCursor {
  private FeedCursor() {}

  /** The export and where it started from. */
  public record Outcome(
      ModerationFeed.Result result, ModerationFeed.Since since, boolean fromCursor) {}

  public static Outcome export(
      SparkSession spark,
      Warehouse warehouse,
      ModerationFeed.Since firstTime,
      String cursorFile,
      Exporter.Format format,
      String out) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Optional<Long> cursor = read(conf, cursorFile);
    ModerationFeed.Since since = cursor.map(ModerationFeed.Since::version).orElse(firstTime);
    ModerationFeed.Result result = ModerationFeed.export(spark, warehouse, since, format, out);
    TextFile.write(conf, cursorFile, result.toVersion() + "\n");
    return new Outcome(result, since, cursor.isPresent());
  }

  /** The version in the cursor file; empty when there is no file yet (the first night). */
  static Optional<Long> read(Configuration conf, String file) {
    String text;
    try {
      Path path = new Path(file);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      if (fs.getFileStatus(path).getLen() > 64) {
        throw new CohortWatchException("cursor file " + file + " is not a cursor (too large)");
      }
      try (InputStream in = fs.open(path)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new CohortWatchException("cannot read cursor file " + file + ": " + e.getMessage());
    }
    if (!text.matches("\\d{1,18}")) {
      throw new CohortWatchException(
          "cursor file " + file + " does not hold a table version: '" + text + "'");
    }
    return Optional.of(Long.parseLong(text));
  }
}
