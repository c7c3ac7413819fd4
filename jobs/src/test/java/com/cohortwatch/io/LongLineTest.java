package com.cohortwatch.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.ingest.Reasons;
import com.cohortwatch.ingest.Validation;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records too long to hold in memory are found by a streaming pass and never reach the reader:
 * every line of a file is read or quarantined exactly once, right at the limit too (the scanner and
 * Hadoop's line reader must agree on where a line ends and how long it is).
 */
class LongLineTest {
  static final LocalDate DAY = LocalDate.of(2026, 11, 20);
  static final Validation.Limits LIMITS = new Validation.Limits(DAY, 24, LocalDate.of(2000, 1, 1));
  static final int L = TextScan.MAX_LINE_BYTES;

  @TempDir Path dir;

  /** A login line of exactly {@code total} bytes including its line end. */
  static byte[] line(String account, int total, String end) {
    String head =
        "{\"account_id\":\""
            + account
            + "\",\"event_time\":\""
            + DAY
            + "T01:00:00Z\",\"ip\":\"203.0.113.9\",\"user_agent\":\"";
    String tail = "\"}" + end;
    int pad = total - head.length() - tail.length();
    return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] shortLine(String account) {
    return ("{\"account_id\":\""
            + account
            + "\",\"event_time\":\""
            + DAY
            + "T02:00:00Z\",\"ip\":\"203.0.113.9\"}\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private List<Row> validated(InputTable table, Path folder) {
    SparkSession spark = SharedSpark.spark();
    InputFiles.Listing listing =
        InputFiles.list(spark.sparkContext().hadoopConfiguration(), folder.toString());
    return Validation.validate(table, InputReader.read(spark, table, listing), LIMITS)
        .collectAsList();
  }

  @Test
  void everyLineAroundTheLimitIsReadOrQuarantinedExactlyOnce() throws Exception {
    Path day = dir.resolve("logins/date=" + DAY);
    Files.createDirectories(day);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // a byte-order mark is not part of the first line's length
    bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    bytes.write(line("bom-at-limit", L, "\n"));
    List<String> below = new ArrayList<>();
    List<String> atOrAbove = new ArrayList<>(List.of("bom-at-limit"));
    int[] deltas = {-2, -1, 0, 1};
    for (String end : List.of("\n", "\r\n")) {
      for (int d : deltas) {
        String account = "len" + d + (end.length() == 2 ? "-crlf" : "-lf");
        bytes.write(line(account, L + d, end));
        bytes.write(shortLine("after-" + account));
        (d < 0 ? below : atOrAbove).add(account);
      }
    }
    // the last line has no line end at all
    bytes.write(line("last-at-limit", L, ""));
    atOrAbove.add("last-at-limit");
    Files.write(day.resolve("long.jsonl"), bytes.toByteArray());

    // Spark splits big files into ranges; a range starting inside a long line must not emit its
    // tail as a record. Small ranges make this file of nine 1 MiB lines cross many of them.
    SparkSession spark = SharedSpark.spark();
    String before = spark.conf().get("spark.sql.files.maxPartitionBytes");
    List<Row> rows;
    try {
      spark.conf().set("spark.sql.files.maxPartitionBytes", String.valueOf(L / 3));
      rows = validated(InputTable.LOGINS, day);
    } finally {
      spark.conf().set("spark.sql.files.maxPartitionBytes", before);
    }

    int expected = 1 + deltas.length * 2 * 2 + 1;
    assertThat(rows).hasSize(expected);
    Map<String, String> reasonByAccount = new TreeMap<>();
    int unnamed = 0;
    for (Row r : rows) {
      String account = r.getAs(Cols.ACCOUNT_ID);
      if (account == null) {
        // found by the scan: the reader never parsed it, and only its start travelled (the
        // quarantine writer cuts it to MAX_RECORD_CHARS)
        assertThat(r.<String>getAs(Cols.REASON)).isEqualTo(Reasons.OVERLONG_RECORD);
        assertThat(r.<String>getAs(Cols.RAW)).hasSize(InputReader.MAX_RECORD_CHARS + 1);
        unnamed++;
      } else {
        reasonByAccount.put(account, String.valueOf((Object) r.getAs(Cols.REASON)));
      }
    }
    // below the limit the reader parses the line (still overlong for quarantine, but named)
    for (String account : below) {
      assertThat(reasonByAccount).containsEntry(account, Reasons.OVERLONG_RECORD);
    }
    for (String account : atOrAbove) {
      assertThat(reasonByAccount).doesNotContainKey(account);
    }
    assertThat(unnamed).isEqualTo(atOrAbove.size());
    assertThat(reasonByAccount.keySet().stream().filter(a -> a.startsWith("after-")).count())
        .isEqualTo(deltas.length * 2);
    assertThat(reasonByAccount).containsEntry("after-len1-crlf", "null");
  }

  @Test
  void rowsReadUnsplitOrFoundByTheScanNameTheirFileAsSparksReaderDoes() throws Exception {
    // a space in the path: input_file_name() escapes it, a listed path does not
    Path day = dir.resolve("in put/logins/date=" + DAY);
    Files.createDirectories(day);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(line("too-long", L + 1, "\n"));
    bytes.write(shortLine("next-to-long"));
    Files.write(day.resolve("long.jsonl"), bytes.toByteArray());
    Files.write(day.resolve("plain.jsonl"), shortLine("plain"));
    Files.write(day.resolve("broken.jsonl.gz"), new byte[] {1, 2, 3});

    SparkSession spark = SharedSpark.spark();
    InputFiles.Listing listing =
        InputFiles.list(spark.sparkContext().hadoopConfiguration(), day.toString());
    List<Row> raw = InputReader.read(spark, InputTable.LOGINS, listing).collectAsList();
    Map<String, String> fileOf = new TreeMap<>();
    for (Row r : raw) {
      String account = r.getAs(Cols.ACCOUNT_ID);
      String file = r.getAs(InputReader.SOURCE_FILE);
      fileOf.put(account == null ? String.valueOf((Object) r.getAs(Cols.RAW)) : account, file);
    }
    String plain = fileOf.get("plain");
    assertThat(plain).contains("in%20put").endsWith("/plain.jsonl");
    String prefix = plain.substring(0, plain.length() - "plain.jsonl".length());
    // read unsplit, found by the scan, unreadable: the same spelling as the reader's
    assertThat(fileOf.get("next-to-long")).isEqualTo(prefix + "long.jsonl");
    assertThat(fileOf.values()).contains(prefix + "broken.jsonl.gz");
    assertThat(fileOf.values().stream().filter(f -> f.equals(prefix + "long.jsonl")).count())
        .isEqualTo(2);
  }

  @Test
  void aLongLineInACompressedFileIsQuarantinedAndTheRestRead() throws Exception {
    Path day = dir.resolve("gz/logins/date=" + DAY);
    Files.createDirectories(day);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(shortLine("g1"));
      out.write(line("huge", 3 * L, "\n"));
      out.write(shortLine("g2"));
    }
    Files.write(day.resolve("l.jsonl.gz"), gz.toByteArray());
    List<Row> rows = validated(InputTable.LOGINS, day);
    Map<String, Integer> reasons = new TreeMap<>();
    rows.forEach(
        r -> reasons.merge(String.valueOf((Object) r.getAs(Cols.REASON)), 1, Integer::sum));
    assertThat(reasons).containsEntry("null", 2).containsEntry(Reasons.OVERLONG_RECORD, 1);
    assertThat(rows).hasSize(3);
  }

  @Test
  void aCsvFileWithAHugeQuotedFieldIsOneProblemFileAndTheOthersAreRead() throws Exception {
    Path folder = dir.resolve("csv/accounts");
    Files.createDirectories(folder);
    String header = "account_id,created_at,claimed_country,claimed_timezone\n";
    Files.writeString(folder.resolve("good.csv"), header + "a1,2026-01-01T00:00:00Z,US,UTC\n");
    // a quoted value that spans many short lines: no single line is long, the record is
    String field = ("y".repeat(1000) + "\n").repeat(L / 1000 + 10);
    Files.writeString(
        folder.resolve("bad.csv"),
        header + "a2,2026-01-01T00:00:00Z,US,\"" + field + "\"\na3,2026-01-01T00:00:00Z,US,UTC\n");
    List<Row> rows = validated(InputTable.ACCOUNTS, folder);
    assertThat(rows).hasSize(2);
    Map<String, String> byAccount = new TreeMap<>();
    for (Row r : rows) {
      String account = r.getAs(Cols.ACCOUNT_ID);
      byAccount.put(
          account == null ? "(file)" : account, String.valueOf((Object) r.getAs(Cols.REASON)));
    }
    assertThat(byAccount)
        .containsEntry("a1", "null")
        .containsEntry("(file)", Reasons.UNREADABLE_FILE);
  }

  @Test
  void scannerCountsLineEndsAsHadoopDoes() {
    TextScan.Lines lines = new TextScan.Lines(false);
    byte[] text = "ab\r\ncd\ref\n\n".getBytes(StandardCharsets.UTF_8);
    lines.accept(text, text.length);
    lines.end();
    assertThat(lines.longCount).isZero();
    TextScan.Lines csv = new TextScan.Lines(true);
    byte[] quoted = ("a,\"" + "z\n".repeat(L / 2) + "\"\nb,c\n").getBytes(StandardCharsets.UTF_8);
    csv.accept(quoted, quoted.length);
    csv.end();
    assertThat(csv.longCount).isEqualTo(1);
    assertThat(csv.firstLongLine).isEqualTo(1);
  }

  /**
   * The scanner's line rule, one byte and one write at a time, as it was before it kept line starts
   * in runs: the reference the faster scanner must match.
   */
  static final class ByteAtATime {
    final boolean csv;
    final ByteArrayOutputStream prefix = new ByteArrayOutputStream();
    final List<String> kept = new ArrayList<>();
    long bytes;
    long line = 1;
    long recordStartLine = 1;
    boolean afterCr;
    boolean quoted;
    boolean first = true;
    int longCount;
    long firstLongLine;

    ByteAtATime(boolean csv) {
      this.csv = csv;
    }

    void accept(byte[] buf, int n) {
      for (int i = 0; i < n; i++) {
        byte b = buf[i];
        if (afterCr) {
          afterCr = false;
          if (b == '\n') {
            bytes++;
            endOfLine();
            continue;
          }
          endOfLine();
        }
        if (b == '\n') {
          bytes++;
          endOfLine();
        } else if (b == '\r') {
          bytes++;
          afterCr = true;
        } else {
          if (csv && b == '"') {
            quoted = !quoted;
          }
          bytes++;
          if (prefix.size() < TextScan.KEEP_BYTES) {
            prefix.write(b);
          }
        }
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
        return;
      }
      long size = bytes;
      byte[] p = prefix.toByteArray();
      if (first
          && p.length >= 3
          && p[0] == (byte) 0xEF
          && p[1] == (byte) 0xBB
          && p[2] == (byte) 0xBF) {
        size -= 3;
      }
      first = false;
      if (size >= L) {
        longCount++;
        if (firstLongLine == 0) {
          firstLongLine = recordStartLine;
        }
        if (!csv && kept.size() < TextScan.MAX_LONG_PER_FILE) {
          String text = new String(p, StandardCharsets.UTF_8);
          int keep = InputReader.MAX_RECORD_CHARS + 1;
          kept.add(text.length() > keep ? text.substring(0, keep) : text);
        }
      }
      bytes = 0;
      prefix.reset();
      recordStartLine = line;
    }
  }

  @Test
  void scannerAgreesWithTheByteAtATimeRuleOnRandomText() {
    java.util.Random random = new java.util.Random(18);
    byte[] alphabet = "ab\"\r\n,{}\u00e9".getBytes(StandardCharsets.UTF_8);
    for (int world = 0; world < 40; world++) {
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      if (random.nextInt(4) == 0) {
        text.write(0xEF);
        text.write(0xBB);
        text.write(0xBF);
      }
      int pieces = 1 + random.nextInt(60);
      for (int p = 0; p < pieces; p++) {
        int kind = random.nextInt(10);
        // runs near the limit on either side, long runs, and short noise with line ends and quotes
        int length =
            kind == 0
                ? L - 3 + random.nextInt(6)
                : kind == 1 ? L + random.nextInt(L) : random.nextInt(40);
        byte filler = alphabet[random.nextInt(alphabet.length)];
        for (int i = 0; i < length; i++) {
          text.write(
              kind <= 1 && random.nextInt(1000) != 0
                  ? 'x'
                  : kind <= 1 ? filler : alphabet[random.nextInt(alphabet.length)]);
        }
      }
      byte[] bytes = text.toByteArray();
      boolean csv = random.nextBoolean();
      TextScan.Lines fast = new TextScan.Lines(csv);
      ByteAtATime reference = new ByteAtATime(csv);
      // the same bytes handed over in random chunks, as a stream's reads return them
      for (int at = 0; at < bytes.length; ) {
        int n = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 8 : 1 << 17));
        byte[] chunk = java.util.Arrays.copyOfRange(bytes, at, at + n);
        fast.accept(chunk, n);
        reference.accept(chunk, n);
        at += n;
      }
      fast.end();
      reference.end();
      assertThat(fast.longCount).as("world %d long lines", world).isEqualTo(reference.longCount);
      assertThat(fast.firstLongLine).as("world %d first", world).isEqualTo(reference.firstLongLine);
      assertThat(fast.kept).as("world %d kept starts", world).isEqualTo(reference.kept);
    }
  }
}
