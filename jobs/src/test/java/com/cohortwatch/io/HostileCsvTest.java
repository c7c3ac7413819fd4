package com.cohortwatch.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.testing.SampleWarehouse;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.StrictCsv;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV in and out as RFC 4180 says, with values written by the people we hunt. */
class HostileCsvTest {
  @TempDir Path dir;

  @Test
  void aQuotedNewlineOrATrailingBackslashNeverMakesOrHidesARecord() throws Exception {
    Path day = dir.resolve("logins/date=2026-11-20");
    Files.createDirectories(day);
    Files.writeString(
        day.resolve("l.csv"),
        "account_id,event_time,ip,device_id,user_agent\n"
            // a newline inside a quoted user agent: one record, not a forged login for "victim"
            + "a1,2026-11-20T01:00:00Z,203.0.113.5,dev1,\"Mozilla\n"
            + "victim,2026-11-20T02:00:00Z,198.51.100.1,dev-x,forged\"\n"
            // a value ending in a backslash does not swallow the rest of its row
            + "a2,2026-11-20T03:00:00Z,203.0.113.6,dev\\,ua\\\n"
            + "a3,2026-11-20T04:00:00Z,203.0.113.7,dev3,\"says \"\"hi\"\", ok\"\n",
        StandardCharsets.UTF_8);
    SparkSession spark = SharedSpark.spark();
    InputFiles.Listing listing =
        InputFiles.list(spark.sparkContext().hadoopConfiguration(), day.toString());
    Map<String, Row> byAccount =
        InputReader.read(spark, InputTable.LOGINS, listing).collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getAs(Cols.ACCOUNT_ID), r -> r));

    assertThat(byAccount).containsOnlyKeys("a1", "a2", "a3");
    assertThat((String) byAccount.get("a1").getAs(Cols.USER_AGENT))
        .isEqualTo("Mozilla\nvictim,2026-11-20T02:00:00Z,198.51.100.1,dev-x,forged");
    assertThat((String) byAccount.get("a2").getAs(Cols.DEVICE_ID)).isEqualTo("dev\\");
    assertThat((String) byAccount.get("a2").getAs(Cols.USER_AGENT)).isEqualTo("ua\\");
    assertThat((String) byAccount.get("a3").getAs(Cols.USER_AGENT)).isEqualTo("says \"hi\", ok");
    assertThat(byAccount.values())
        .allMatch(r -> !r.<Boolean>getAs(InputReader.MALFORMED))
        .allMatch(r -> r.getAs(Cols.IP) != null);
  }

  static final List<String> HOSTILE =
      List.of(
          "=HYPERLINK(\"http://evil\",\"x\")",
          "+1+cmd|' /C calc'!A0",
          "-2",
          "@SUM(A1)",
          "\tTab",
          "a,\"b\"",
          "\",\"injected\",\"",
          "line1\nline2\r\nline3",
          "ends\\",
          "plain",
          "");

  @Test
  void csvExportsQuoteAsRfc4180AndNeutraliseFormulas() throws Exception {
    SparkSession spark = SharedSpark.spark();
    StructType schema =
        new StructType()
            .add("text", DataTypes.StringType)
            .add("n", DataTypes.IntegerType)
            .add("list", DataTypes.createArrayType(DataTypes.StringType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < HOSTILE.size(); i++) {
      rows.add(RowFactory.create(HOSTILE.get(i), -i, List.of(HOSTILE.get(i))));
    }
    rows.add(RowFactory.create(null, null, null));
    Dataset<Row> data = spark.createDataFrame(rows, schema);
    String out = dir.resolve("hostile.csv").toString();

    assertThat(Exporter.write(data, Exporter.Format.CSV, out)).isEqualTo(rows.size());
    List<List<String>> records =
        StrictCsv.parse(Files.readString(Path.of(out), StandardCharsets.UTF_8));
    assertThat(records.get(0)).containsExactly("text", "n", "list");
    assertThat(records).hasSize(rows.size() + 1).allMatch(r -> r.size() == 3);
    List<String> texts = records.subList(1, records.size()).stream().map(r -> r.get(0)).toList();
    List<String> expected = new ArrayList<>();
    for (String h : HOSTILE) {
      expected.add(h.matches("(?s)^[=+\\-@\t\r].*") ? "'" + h : h);
    }
    expected.add("");
    assertThat(texts).containsExactlyInAnyOrderElementsOf(expected);
    // Numbers stay numbers: only text is neutralised.
    assertThat(records.subList(1, records.size()).stream().map(r -> r.get(1)))
        .contains("-2", "-10");
    for (List<String> r : records) {
      for (String field : r) {
        assertThat(field).as("a cell a spreadsheet runs").doesNotMatch("(?s)^[=+@\t\r].*");
      }
    }
  }

  @Test
  void everyTableExportsToStrictCsvWithTheHeadersColumnCountOnEveryRow() throws Exception {
    SparkSession spark = SharedSpark.spark();
    Warehouse warehouse = new Warehouse(spark, SampleWarehouse.path().toString());
    List<String> tables = warehouse.tables();
    assertThat(tables).contains("logins", "link_evidence", "quarantine", "account_risk");
    for (String table : tables) {
      String out = dir.resolve(table + ".csv").toString();
      long written =
          Exporter.write(Exporter.select(warehouse.read(table), null), Exporter.Format.CSV, out);
      List<List<String>> records =
          StrictCsv.parse(Files.readString(Path.of(out), StandardCharsets.UTF_8));
      int columns = records.get(0).size();
      assertThat(columns).as(table).isEqualTo(warehouse.read(table).columns().length);
      assertThat(records.subList(1, records.size()))
          .as("%s: rows with another column count than the header %s", table, records.get(0))
          .allMatch(r -> r.size() == columns);
      assertThat(records.size() - 1L).as(table).isEqualTo(written);
      assertThat(Arrays.asList(records.get(0))).doesNotContainNull();
    }
  }
}
