package com.cohortwatch.io;

import com.cohortwatch.CohortWatchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes one small text file (a report) through Hadoop's FileSystem, so any path the jobs accept
 * works: written next to the target first and renamed into place, so a reader never sees half a
 * file.
 */
public final class TextFile {
  private TextFile() {}

  /** Where the file landed (fully qualified) and its size in bytes. */
  public record Written(String path, long bytes) {}

  public static Written write(Configuration conf, String out, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try {
      Path given = new Path(out);
      FileSystem fs = given.getFileSystem(conf);
      // No .crc side files next to a report on the local file system.
      fs.setWriteChecksum(false);
      Path target = fs.makeQualified(given);
      if (fs.exists(target) && fs.getFileStatus(target).isDirectory()) {
        throw new CohortWatchException("cannot write " + out + ": it is a directory");
      }
      Path folder = target.getParent();
      if (folder != null) {
        fs.mkdirs(folder);
      }
      Path staging = new Path(folder, "." + target.getName() + ".cohortwatch-tmp");
      try (FSDataOutputStream stream = fs.create(staging, true)) {
        stream.write(bytes);
      }
      fs.delete(target, false);
      if (!fs.rename(staging, target)) {
        fs.delete(staging, false);
        throw new CohortWatchException("cannot move the new file into place at " + out);
      }
      return new Written(target.toString(), fs.getFileStatus(target).getLen());
    } catch (IOException e) {
      throw new CohortWatchException(
          "cannot write " + out + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
