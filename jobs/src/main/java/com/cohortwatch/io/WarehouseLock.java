package com.cohortwatch.io;

import com.cohortwatch.CohortWatchException;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer at a time per warehouse: a lease file {@code <warehouse>/_cohortwatch_lock} created
 * exclusively ({@code FileSystem.create(path, overwrite=false)}, atomic on HDFS; on the local file
 * system an O_EXCL create), naming its holder and when its lease ends. The holder renews the lease
 * while it runs; a lease past its end, or held by a process of this host that no longer exists (a
 * killed run), is taken over by renaming it away first, so of two takers only one wins.
 */
public final class WarehouseLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WarehouseLock.class);

  public static final String FILE = "_cohortwatch_lock";

  /** Long enough for a stalled renewal (GC, slow store) not to lose it; short for a dead host. */
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(10);

  private final FileSystem fs;
  private final Path file;
  private final Duration lease;
  private final String token = UUID.randomUUID().toString();
  private final Map<String, String> holder;
  private final ScheduledExecutorService renewer;
  private volatile boolean lost;

  private final boolean local;

  private WarehouseLock(FileSystem fs, Path file, Duration lease, String command) {
    // On the local file system, without .crc side files (and their own races).
    this.local = fs instanceof LocalFileSystem;
    this.fs = fs instanceof LocalFileSystem l ? l.getRaw() : fs;
    this.file = file;
    this.lease = lease;
    this.holder = new LinkedHashMap<>();
    holder.put("holder", ProcessHandle.current().pid() + "@" + hostName());
    holder.put("command", command.replaceAll("[\\r\\n]", " "));
    holder.put("started", Instant.now().toString());
    holder.put("token", token);
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cohortwatch-lock-renewer");
              t.setDaemon(true);
              return t;
            });
  }

  /** Takes the lock of the warehouse at {@code root} for {@code command}, or fails at once. */
  public static WarehouseLock acquire(Configuration conf, String root, String command) {
    Path rootPath = new Path(root);
    try {
      return acquire(rootPath.getFileSystem(conf), rootPath, command, DEFAULT_LEASE);
    } catch (IOException e) {
      throw new CohortWatchException("cannot lock warehouse " + root + ": " + e.getMessage());
    }
  }

  static WarehouseLock acquire(FileSystem fs, Path root, String command, Duration lease) {
    WarehouseLock lock = new WarehouseLock(fs, new Path(root, FILE), lease, command);
    try {
      fs.mkdirs(root);
      for (int attempt = 0; attempt < 3; attempt++) {
        if (lock.createExclusive()) {
          lock.renewer.scheduleAtFixedRate(
              lock::renew, lease.toMillis() / 3, lease.toMillis() / 3, TimeUnit.MILLISECONDS);
          LOG.info("locked warehouse {} for {}", root, command);
          return lock;
        }
        Map<String, String> other = lock.readLease(lock.file);
        if (other != null && !lock.stale(other)) {
          lock.renewer.shutdownNow();
          throw new CohortWatchException(
              "warehouse "
                  + root
                  + " is locked by "
                  + describe(other)
                  + "; wait for it to finish (a lease left by a dead process expires at its"
                  + " end)");
        }
        lock.takeOver(other);
      }
      throw new CohortWatchException("cannot lock warehouse " + root + ": lost three races");
    } catch (IOException e) {
      lock.renewer.shutdownNow();
      throw new CohortWatchException(
          "cannot lock warehouse " + root + ": " + e.getClass().getSimpleName());
    } catch (RuntimeException e) {
      lock.renewer.shutdownNow();
      throw e;
    }
  }

  private static String describe(Map<String, String> lease) {
    return "process "
        + lease.getOrDefault("holder", "?")
        + " ("
        + lease.getOrDefault("command", "?")
        + ", started "
        + lease.getOrDefault("started", "?")
        + ", lease until "
        + lease.getOrDefault("expires", "?")
        + ")";
  }

  /** Past its end, or its holder is a process of this host that is gone. */
  boolean stale(Map<String, String> lease) throws IOException {
    Instant expires;
    try {
      expires = Instant.parse(lease.get("expires"));
    } catch (RuntimeException e) {
      // Unreadable: being renewed right now, or its holder died writing it; only its age tells.
      try {
        long modified = fs.getFileStatus(file).getModificationTime();
        return Instant.ofEpochMilli(modified).plus(this.lease).isBefore(Instant.now());
      } catch (FileNotFoundException gone) {
        return true;
      }
    }
    if (expires.isBefore(Instant.now())) {
      return true;
    }
    String h = lease.getOrDefault("holder", "");
    int at = h.indexOf('@');
    if (at > 0 && h.substring(at + 1).equals(hostName())) {
      try {
        long pid = Long.parseLong(h.substring(0, at));
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return false;
  }

  /** Renames the stale lease away (one taker wins the rename), then deletes it. */
  private void takeOver(Map<String, String> stale) throws IOException {
    Path aside = new Path(file.getParent(), FILE + ".stale-" + token);
    if (fs.rename(file, aside)) {
      Map<String, String> moved = readLease(aside);
      if (moved != null && !stale(moved)) {
        // Renewed between our read and the rename: give it back.
        fs.rename(aside, file);
        return;
      }
      LOG.warn(
          "took over the lock of {} from {}",
          file.getParent(),
          stale == null ? "an unreadable lease" : describe(stale));
      fs.delete(aside, false);
    }
  }

  private byte[] content() {
    holder.put("expires", Instant.now().plus(lease).toString());
    StringBuilder sb = new StringBuilder();
    holder.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private boolean createExclusive() throws IOException {
    byte[] bytes = content();
    if (local) {
      // Hadoop's local create(overwrite=false) checks, then opens: not atomic. O_EXCL is.
      try {
        Files.write(
            Paths.get(fs.makeQualified(file).toUri()),
            bytes,
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(file, false)) {
      out.write(bytes);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(file)) {
        return false;
      }
      throw e;
    }
  }

  private Map<String, String> readLease(Path path) throws IOException {
    try (InputStream in = fs.open(path)) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      in.transferTo(buf);
      Map<String, String> lease = new LinkedHashMap<>();
      for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          lease.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      return lease;
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  private boolean ours() throws IOException {
    Map<String, String> current = readLease(file);
    return current != null && token.equals(current.get("token"));
  }

  private void renew() {
    try {
      if (!ours()) {
        lost = true;
        LOG.error("lost the lock of {}: another process took it over", file.getParent());
        renewer.shutdown();
        return;
      }
      try (OutputStream out = fs.create(file, true)) {
        out.write(content());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not renew the lock of {}: {}", file.getParent(), e.toString());
    }
  }

  /** True when another process took the lease over (ours had expired). */
  public boolean lost() {
    return lost;
  }

  @Override
  public void close() {
    renewer.shutdownNow();
    try {
      if (ours()) {
        fs.delete(file, false);
      }
    } catch (IOException e) {
      LOG.warn("could not release the lock of {}: {}", file.getParent(), e.toString());
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
