package com.cohortwatch.io;

import com.cohortwatch.CohortWatchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** Lists input files through Hadoop's FileSystem, so local, HDFS and object stores all work. */
public final class InputFiles {
  private InputFiles() {}

  /** The formats the contract allows, told apart by file extension. */
  public enum Format {
    JSON,
    CSV,
    PARQUET
  }

  /**
   * The data files of a folder and their one format; empty when there are none. {@code stamp}
   * identifies the files as listed (a SHA-256 of each one's path, size and modification time), so
   * an export that nobody rewrote is recognised without reading it; empty when not listed here.
   */
  public record Listing(Format format, List<String> files, long totalBytes, String stamp) {
    public Listing(Format format, List<String> files, long totalBytes) {
      this(format, files, totalBytes, "");
    }

    public boolean isEmpty() {
      return files.isEmpty();
    }
  }

  public static Format formatOf(String fileName) {
    String name = fileName.toLowerCase(Locale.ROOT);
    for (String compression : List.of(".gz", ".bz2", ".deflate", ".snappy", ".zst")) {
      if (name.endsWith(compression) && !name.endsWith(".parquet")) {
        name = name.substring(0, name.length() - compression.length());
      }
    }
    if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
      return Format.JSON;
    }
    if (name.endsWith(".csv")) {
      return Format.CSV;
    }
    if (name.endsWith(".parquet")) {
      return Format.PARQUET;
    }
    return null;
  }

  /** Data files below a folder (recursively), skipping Hadoop's hidden `_` and `.` files. */
  public static Listing list(Configuration conf, String folder) {
    Path path = new Path(folder);
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return new Listing(null, List.of(), 0);
      }
      List<String> files = new ArrayList<>();
      List<String> identities = new ArrayList<>();
      Format format = null;
      long bytes = 0;
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(path, true);
      while (it.hasNext()) {
        LocatedFileStatus status = it.next();
        String name = status.getPath().getName();
        if (name.startsWith("_") || name.startsWith(".") || hiddenParent(path, status)) {
          continue;
        }
        Format f = formatOf(name);
        if (f == null) {
          continue;
        }
        if (format != null && format != f) {
          throw new CohortWatchException(
              "input folder " + folder + " mixes " + format + " and " + f + " files");
        }
        format = f;
        files.add(status.getPath().toString());
        identities.add(
            status.getPath() + "\t" + status.getLen() + "\t" + status.getModificationTime());
        bytes += status.getLen();
      }
      files.sort(String::compareTo);
      identities.sort(String::compareTo);
      return new Listing(format, files, bytes, sha256(String.join("\n", identities)));
    } catch (IOException e) {
      throw new CohortWatchException("cannot list input folder " + folder + ": " + e.getMessage());
    }
  }

  /** The SHA-256 of a text's UTF-8 bytes, in hex. */
  public static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
    }
  }

  private static boolean hiddenParent(Path root, LocatedFileStatus status) {
    Path p = status.getPath().getParent();
    String rootString = root.toUri().getPath();
    while (p != null && p.toUri().getPath().length() > rootString.length()) {
      if (p.getName().startsWith("_") || p.getName().startsWith(".")) {
        return true;
      }
      p = p.getParent();
    }
    return false;
  }

  /** The `date=YYYY-MM-DD` partitions of an event table, by date. */
  public static TreeMap<LocalDate, String> dayFolders(Configuration conf, String tableFolder) {
    Path path = new Path(tableFolder);
    TreeMap<LocalDate, String> days = new TreeMap<>();
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return days;
      }
      for (FileStatus status : fs.listStatus(path)) {
        String name = status.getPath().getName();
        if (status.isDirectory() && name.startsWith("date=")) {
          try {
            days.put(LocalDate.parse(name.substring(5)), status.getPath().toString());
          } catch (DateTimeParseException e) {
            throw new CohortWatchException(
                "input folder " + status.getPath() + " is not named date=YYYY-MM-DD");
          }
        }
      }
      return days;
    } catch (IOException e) {
      throw new CohortWatchException("cannot list " + tableFolder + ": " + e.getMessage());
    }
  }

  public static boolean exists(Configuration conf, String folder) {
    Path path = new Path(folder);
    try {
      return path.getFileSystem(conf).exists(path);
    } catch (IOException e) {
      throw new CohortWatchException("cannot read " + folder + ": " + e.getMessage());
    }
  }
}
