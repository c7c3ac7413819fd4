package com.cohortwatch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warehouse lock, through Hadoop's local file system and through its raw one (which takes the
 * generic create(overwrite=false) path every other Hadoop file system takes). No Spark needed.
 */
class WarehouseLockTest {
  @TempDir Path dir;

  static final Duration LEASE = Duration.ofMinutes(10);

  private org.apache.hadoop.fs.Path root() {
    return new org.apache.hadoop.fs.Path(dir.resolve("wh").toUri());
  }

  private static FileSystem local() throws Exception {
    return FileSystem.getLocal(new Configuration());
  }

  private static FileSystem generic() throws Exception {
    return FileSystem.getLocal(new Configuration()).getRaw();
  }

  @Test
  void aSecondWriterFailsAtOnceNamingTheHolder() throws Exception {
    for (FileSystem fs : new FileSystem[] {local(), generic()}) {
      try (WarehouseLock first = WarehouseLock.acquire(fs, root(), "run 2026-11-20", LEASE)) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> WarehouseLock.acquire(fs, root(), "erase", LEASE))
            .isInstanceOf(CohortWatchException.class)
            .hasMessageContaining("is locked by process " + ProcessHandle.current().pid() + "@")
            .hasMessageContaining("run 2026-11-20")
            .hasMessageNotContaining("\n");
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
      }
      // Released: the next writer gets it.
      WarehouseLock.acquire(fs, root(), "purge", LEASE).close();
      assertThat(Files.exists(dir.resolve("wh").resolve(WarehouseLock.FILE))).isFalse();
    }
  }

  @Test
  void anExpiredLeaseOrOneOfADeadProcessIsTakenOver() throws Exception {
    Path file = dir.resolve("wh").resolve(WarehouseLock.FILE);
    Files.createDirectories(file.getParent());
    // Another host's lease that ended a minute ago.
    Files.writeString(
        file,
        "holder=4242@some-other-host\ncommand=run 2026-11-19\nstarted=2026-11-19T00:00:00Z\n"
            + "token=t1\nexpires="
            + Instant.now().minusSeconds(60)
            + "\n",
        StandardCharsets.UTF_8);
    try (WarehouseLock lock = WarehouseLock.acquire(local(), root(), "run 2026-11-20", LEASE)) {
      assertThat(Files.readString(file)).contains("command=run 2026-11-20");
    }
    // A lease still running, but its holder on this host was killed (KillRecoveryIT's case).
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    Files.writeString(
        file,
        "holder="
            + dead.pid()
            + "@"
            + java.net.InetAddress.getLocalHost().getHostName()
            + "\ncommand=run\nstarted=x\ntoken=t2\nexpires="
            + Instant.now().plusSeconds(600)
            + "\n",
        StandardCharsets.UTF_8);
    try (WarehouseLock lock = WarehouseLock.acquire(generic(), root(), "backfill", LEASE)) {
      assertThat(Files.readString(file)).contains("command=backfill");
    }
    // A live lease of another host is not.
    Files.writeString(
        file,
        "holder=1@some-other-host\ncommand=run\nstarted=x\ntoken=t3\nexpires="
            + Instant.now().plusSeconds(600)
            + "\n",
        StandardCharsets.UTF_8);
    assertThatThrownBy(() -> WarehouseLock.acquire(local(), root(), "run", LEASE))
        .hasMessageContaining("locked by process 1@some-other-host");
  }

  @Test
  void theHolderRenewsItsLeaseWhileItRuns() throws Exception {
    Duration shortLease = Duration.ofMillis(900);
    try (WarehouseLock lock = WarehouseLock.acquire(local(), root(), "run", shortLease)) {
      Thread.sleep(2000); // over two leases: only renewal keeps it
      assertThatThrownBy(() -> WarehouseLock.acquire(generic(), root(), "erase", shortLease))
          .hasMessageContaining("is locked by");
      assertThat(lock.lost()).isFalse();
    }
  }
}
