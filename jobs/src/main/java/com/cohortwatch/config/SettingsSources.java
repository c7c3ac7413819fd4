package com.cohortwatch.config;

import com.cohortwatch.UsageException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * Reads the settings' sources the way a Spark job is configured: {@code spark.cohortwatch.<key>}
 * from the Spark configuration that spark-submit (its --conf, spark-defaults.conf) hands the
 * driver, and the --config file through Hadoop's FileSystem, so an {@code hdfs:} or {@code s3a:}
 * file works and a cluster-mode driver reads what the client named. Before any SparkSession exists:
 * a wrong setting stops the run before Spark starts.
 */
public final class SettingsSources {
  private SettingsSources() {}

  /** Config files are a few kilobytes; anything far larger is a wrong path, not a config. */
  static final long MAX_CONFIG_BYTES = 1 << 20;

  /** Resolves the settings of one run from all four sources (see Settings#resolve). */
  public static Settings resolve(String configFile, Map<String, String> confFlags) {
    SparkConf sparkConf = new SparkConf(true);
    Map<String, String> fileValues =
        configFile == null
            ? Map.of()
            : Settings.parseConfig(configFile, read(configFile, hadoopConf(sparkConf)));
    return Settings.resolve(fromSparkConf(sparkConf), fileValues, configFile, confFlags);
  }

  /** The {@code spark.cohortwatch.*} entries, without the prefix. */
  static Map<String, String> fromSparkConf(SparkConf conf) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Tuple2<String, String> e : conf.getAllWithPrefix(Settings.SPARK_PREFIX)) {
      values.put(e._1(), e._2());
    }
    return values;
  }

  /**
   * A Hadoop configuration with the {@code spark.hadoop.*} entries applied, as Spark builds the one
   * its jobs use (the file system's credentials and endpoints live there).
   */
  static Configuration hadoopConf(SparkConf conf) {
    Configuration hadoop = new Configuration();
    for (Tuple2<String, String> e : conf.getAllWithPrefix("spark.hadoop.")) {
      hadoop.set(e._1(), e._2());
    }
    return hadoop;
  }

  static String read(String file, Configuration hadoop) {
    try {
      Path path = new Path(file);
      FileSystem fs = path.getFileSystem(hadoop);
      long length = fs.getFileStatus(path).getLen();
      if (length > MAX_CONFIG_BYTES) {
        throw new UsageException(
            "config file " + file + " is " + length + " bytes; a config file is a few kilobytes");
      }
      try (InputStream in = fs.open(path)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (FileNotFoundException e) {
      throw new UsageException("config file not found: " + file);
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageException("config file " + file + " cannot be read: " + e.getMessage());
    }
  }
}
