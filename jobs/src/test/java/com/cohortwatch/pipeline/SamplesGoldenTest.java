package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.io.Warehouse;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SampleWarehouse;
import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Date;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The sample warehouse's four gold tables of its last night, fingerprinted (row count and a SHA-256
 * of the sorted rows) and compared with {@code golden/samples-gold.properties}: a restructuring
 * that changes any score, reason, cluster or link on the samples fails here.
 *
 * <p>A change meant to alter detection rewrites the file with {@code
 * -Dcohortwatch.golden.update=true} and says why in its commit. On a mismatch the sorted rows are
 * written to {@code target/golden-actual/} so two builds' rows can be diffed.
 */
class SamplesGoldenTest {
  private static final String GOLDEN = "golden/samples-gold.properties";
  private static final List<String> TABLES =
      List.of(
          TableNames.ACCOUNT_RISK,
          TableNames.CLUSTER_RISK,
          TableNames.CLUSTER_MEMBERS,
          TableNames.LINK_EVIDENCE);

  @Test
  void theSamplesGoldTablesAreTheOnesOnRecord() throws Exception {
    Warehouse warehouse = new Warehouse(SharedSpark.spark(), SampleWarehouse.path().toString());
    Map<String, String> actual = new TreeMap<>();
    Path dump = Path.of("target", "golden-actual");
    for (String table : TABLES) {
      List<String> rows = canonicalRows(warehouse, table);
      actual.put(table + ".rows", Integer.toString(rows.size()));
      actual.put(table + ".sha256", sha256(rows));
      Files.createDirectories(dump);
      Files.write(dump.resolve(table + ".txt"), rows, StandardCharsets.UTF_8);
    }
    boolean update = Boolean.getBoolean("cohortwatch.golden.update");
    if (update) {
      write(actual);
    }
    assertThat(actual)
        .as("gold tables of data-samples; sorted rows are in %s", dump.toAbsolutePath())
        .isEqualTo(update ? actual : expected());
    // a fingerprint of nothing would match an empty table on both sides
    assertThat(actual.get(TableNames.ACCOUNT_RISK + ".rows")).isNotEqualTo("0");
  }

  /** The table's rows of the last night, each as one line, sorted. */
  private static List<String> canonicalRows(Warehouse warehouse, String table) {
    List<Row> rows =
        warehouse
            .read(table)
            .filter(col(Cols.RUN_DATE).equalTo(lit(Date.valueOf(SampleWarehouse.LAST_NIGHT))))
            .collectAsList();
    List<String> lines = new ArrayList<>(rows.size());
    for (Row row : rows) {
      lines.add(render(row));
    }
    lines.sort(null);
    return lines;
  }

  /**
   * One value as text; doubles to 12 significant digits, so a sum's last bit (its order across
   * partitions) cannot tell two identical results apart.
   */
  private static String render(Object value) {
    if (value == null) {
      return "\\N";
    }
    if (value instanceof Double || value instanceof Float) {
      return String.format(Locale.ROOT, "%.12g", ((Number) value).doubleValue());
    }
    if (value instanceof Row row) {
      StringBuilder b = new StringBuilder("(");
      for (int i = 0; i < row.length(); i++) {
        b.append(i == 0 ? "" : "|").append(render(row.get(i)));
      }
      return b.append(')').toString();
    }
    if (value instanceof Seq<?> seq) {
      StringBuilder b = new StringBuilder("[");
      int i = 0;
      for (Object element : JavaConverters.seqAsJavaList(seq)) {
        b.append(i++ == 0 ? "" : ",").append(render(element));
      }
      return b.append(']').toString();
    }
    return value.toString();
  }

  private static String sha256(List<String> lines) throws NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    for (String line : lines) {
      digest.update(line.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) '\n');
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static Map<String, String> expected() throws IOException {
    Properties p = new Properties();
    try (InputStream in = SamplesGoldenTest.class.getClassLoader().getResourceAsStream(GOLDEN)) {
      assertThat(in).as("%s on the test class path", GOLDEN).isNotNull();
      p.load(in);
    }
    Map<String, String> m = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }

  private static void write(Map<String, String> actual) throws IOException {
    Path file = SharedSpark.repoRoot().resolve("jobs/src/test/resources").resolve(GOLDEN);
    Files.createDirectories(file.getParent());
    StringBuilder b =
        new StringBuilder(
            "# Fingerprints of data-samples' gold tables on "
                + SampleWarehouse.LAST_NIGHT
                + " (SamplesGoldenTest).\n"
                + "# Rewrite only for a change meant to alter detection:"
                + " -Dcohortwatch.golden.update=true\n");
    actual.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }
  }
}
