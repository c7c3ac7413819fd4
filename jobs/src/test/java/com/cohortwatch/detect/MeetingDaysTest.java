package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.testing.SharedSpark;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class MeetingDaysTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 20);

  private static Row sorted(String a, String b, int daysAgo, String ip, long meetings) {
    return RowFactory.create(a, b, Date.valueOf(DAY.minusDays(daysAgo)), ip, meetings);
  }

  @Test
  void foldCountsDistinctDaysAcrossAddressesAndDropsPairsBelowTheMinimum() {
    // Sorted by pair and day, as the shuffle leaves them.
    Iterator<Row> in =
        List.of(
                sorted("a", "b", 5, "198.51.100.9", 2),
                sorted("a", "b", 5, "198.51.100.1", 1),
                sorted("a", "b", 3, "198.51.100.9", 4),
                sorted("a", "b", 1, "198.51.100.5", 1),
                sorted("a", "c", 4, "198.51.100.9", 7),
                sorted("a", "c", 4, "198.51.100.1", 7),
                sorted("b", "c", 6, "198.51.100.2", 1),
                sorted("b", "c", 2, "198.51.100.2", 1),
                sorted("b", "c", 0, "198.51.100.2", 1))
            .iterator();
    List<Row> out = new ArrayList<>();
    new MeetingDays.Fold(in, 3).forEachRemaining(out::add);

    assertThat(out).hasSize(2);
    Row ab = out.get(0);
    assertThat(List.of(ab.get(0), ab.get(1))).containsExactly("a", "b");
    assertThat(ab.getLong(2)).isEqualTo(3); // three days, though four rows
    assertThat(ab.getLong(3)).isEqualTo(8);
    assertThat(ab.get(4)).isEqualTo(Date.valueOf(DAY.minusDays(5)));
    assertThat(ab.get(5)).isEqualTo(Date.valueOf(DAY.minusDays(1)));
    assertThat(ab.getString(6)).isEqualTo("198.51.100.1");
    assertThat((String[]) ab.get(7))
        .containsExactly("198.51.100.1", "198.51.100.5", "198.51.100.9");
    Row bc = out.get(1);
    assertThat(List.of(bc.get(0), bc.get(1))).containsExactly("b", "c");
    assertThat(bc.getLong(2)).isEqualTo(3);
  }

  @Test
  void foldOfNothingYieldsNothing() {
    assertThat(new MeetingDays.Fold(List.<Row>of().iterator(), 1).hasNext()).isFalse();
  }

  /** The fold must give what the SQL aggregate it replaced gave, on many pairs and partitions. */
  @Test
  void matchesTheSqlAggregateOnRandomMeetings() {
    Random random = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      int a = random.nextInt(40);
      int b = a + 1 + random.nextInt(5);
      rows.add(
          RowFactory.create(
              Date.valueOf(DAY.minusDays(random.nextInt(12))),
              "acct-" + a,
              "acct-" + b,
              "203.0.113." + random.nextInt(6),
              1L + random.nextInt(3)));
    }
    // The rollup holds one row per day, pair and address.
    Dataset<Row> meetings =
        SharedSpark.spark()
            .createDataFrame(rows, Schemas.CO_LOGIN_MEETINGS)
            .groupBy(Cols.EVENT_DATE, Cols.ACCOUNT_A, Cols.ACCOUNT_B, Cols.IP)
            .agg(sum(Cols.MEETINGS).as(Cols.MEETINGS))
            .repartition(5);
    Dataset<Row> expected =
        meetings
            .groupBy(Cols.ACCOUNT_A, Cols.ACCOUNT_B)
            .agg(
                countDistinct(Cols.EVENT_DATE).as(MeetingDays.DAYS),
                sum(Cols.MEETINGS).as(Cols.EVENTS),
                min(Cols.EVENT_DATE).as(MeetingDays.FIRST_DAY),
                max(Cols.EVENT_DATE).as(MeetingDays.LAST_DAY),
                min(Cols.IP).as(Cols.ATTRIBUTE),
                sort_array(collect_set(Cols.IP)).as(MeetingDays.ADDRESSES))
            .filter(col(MeetingDays.DAYS).geq(6));
    Dataset<Row> actual = MeetingDays.of(meetings, 6);

    // Some pairs pass and some do not, or the comparison would prove little.
    assertThat(expected.count())
        .isGreaterThan(10)
        .isLessThan(meetings.select(Cols.ACCOUNT_A, Cols.ACCOUNT_B).distinct().count());
    assertThat(actual.exceptAll(expected).count()).isZero();
    assertThat(expected.exceptAll(actual).count()).isZero();
  }
}
