package com.cohortwatch.pipeline;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.detect.Links;
import com.cohortwatch.detect.Rollups;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The daily rollups the night's detection reads instead of raw logins: attribute_daily and
 * co_login_meetings for every event date the days just ingested touched, or rebuilt from all of
 * bronze when the rules that built them changed.
 */
public final class RollupStage {
  private RollupStage() {}

  /**
   * The rollup tables. The co-login meetings are made from each day's time slots, which are not
   * kept: only the meetings are read afterwards ({@link TableNames#IP_SLOTS}).
   */
  private static final List<Map.Entry<String, org.apache.spark.sql.types.StructType>>
      ROLLUP_TABLES =
          List.of(
              Map.entry(TableNames.ATTRIBUTE_DAILY, Schemas.ATTRIBUTE_DAILY),
              Map.entry(TableNames.CO_LOGIN_MEETINGS, Schemas.CO_LOGIN_MEETINGS));

  /** Table property of the rollup tables: the settings their rows were computed with. */
  static final String ROLLUP_SETTINGS_PROPERTY = "cohortwatch.rollup-settings";

  /**
   * Recomputes the daily rollups of every event date touched by the days just ingested; or, on
   * {@code --full-recompute} or when the rollup settings differ from the ones the tables were built
   * with, rebuilds them from every login in bronze, so the window never mixes days rolled up under
   * two rules. Returns why it rebuilt them all, or null when it did not.
   */
  public static String updateRollups(
      SparkSession spark, RunConfig config, Warehouse warehouse, List<LocalDate> landedDays) {
    Settings s = config.settings();
    String wanted = rollupSettings(s);
    String rebuild = rebuildReason(warehouse, config.fullRecompute(), wanted);
    Map<String, String> stamped = Map.of(ROLLUP_SETTINGS_PROPERTY, wanted);
    // A new table records the settings at creation; an existing one only after a rebuild.
    for (var table : ROLLUP_TABLES) {
      ensureRollupTable(warehouse, table.getKey(), table.getValue(), stamped);
    }
    if (!warehouse.exists(InputTable.LOGINS.folder())) {
      return null;
    }
    Dataset<Row> bronze = warehouse.read(InputTable.LOGINS.folder());
    if (rebuild != null) {
      warehouse.overwrite(
          TableNames.ATTRIBUTE_DAILY,
          Schemas.ATTRIBUTE_DAILY,
          Rollups.attributeDaily(
              bronze, s.getInt(Settings.IPV4_PREFIX), s.getInt(Settings.IPV6_PREFIX)));
      warehouse.overwrite(
          TableNames.CO_LOGIN_MEETINGS, Schemas.CO_LOGIN_MEETINGS, dailyMeetings(bronze, s));
      // Stamped only after every rebuild committed: a run killed in between rebuilds again.
      for (var table : ROLLUP_TABLES) {
        warehouse.ensure(table.getKey(), table.getValue(), stamped, Cols.EVENT_DATE);
      }
      return rebuild;
    }
    if (landedDays.isEmpty()) {
      return null;
    }
    Where landed = Where.in(Cols.LANDED_DATE, landedDays);
    List<LocalDate> eventDates = new ArrayList<>();
    for (Row r :
        bronze.filter(landed.column()).select(Cols.EVENT_DATE).distinct().collectAsList()) {
      eventDates.add(r.getDate(0).toLocalDate());
    }
    if (eventDates.isEmpty()) {
      return null;
    }
    Where affected = Where.in(Cols.EVENT_DATE, eventDates);
    Dataset<Row> logins = bronze.filter(affected.column());
    warehouse.replaceWhere(
        TableNames.ATTRIBUTE_DAILY,
        Schemas.ATTRIBUTE_DAILY,
        Rollups.attributeDaily(
            logins, s.getInt(Settings.IPV4_PREFIX), s.getInt(Settings.IPV6_PREFIX)),
        affected);
    warehouse.replaceWhere(
        TableNames.CO_LOGIN_MEETINGS,
        Schemas.CO_LOGIN_MEETINGS,
        dailyMeetings(logins, s),
        affected);
    return null;
  }

  /** The co-login meetings of the logins' days, through their time slots. */
  private static Dataset<Row> dailyMeetings(Dataset<Row> logins, Settings s) {
    return Links.dailyMeetings(
        Rollups.ipSlots(logins, s.getInt(Settings.CO_LOGIN_WINDOW_MINUTES)),
        s.getInt(Settings.PAIR_CAP));
  }

  private static void ensureRollupTable(
      Warehouse warehouse,
      String table,
      org.apache.spark.sql.types.StructType schema,
      Map<String, String> stamped) {
    if (warehouse.exists(table)) {
      warehouse.ensure(table, schema, Cols.EVENT_DATE);
    } else {
      warehouse.ensure(table, schema, stamped, Cols.EVENT_DATE);
    }
  }

  /** The settings a rollup row depends on, as recorded on the rollup tables. */
  static String rollupSettings(Settings s) {
    return Settings.IPV4_PREFIX.name()
        + "="
        + s.getInt(Settings.IPV4_PREFIX)
        + ","
        + Settings.IPV6_PREFIX.name()
        + "="
        + s.getInt(Settings.IPV6_PREFIX)
        + ","
        + Settings.CO_LOGIN_WINDOW_MINUTES.name()
        + "="
        + s.getInt(Settings.CO_LOGIN_WINDOW_MINUTES)
        + ","
        + Settings.PAIR_CAP.name()
        + "="
        + s.getInt(Settings.PAIR_CAP);
  }

  /** Why the rollups must be rebuilt from bronze, or null when the days just ingested suffice. */
  private static String rebuildReason(Warehouse warehouse, boolean fullRecompute, String wanted) {
    if (fullRecompute) {
      return "--full-recompute";
    }
    boolean anyRolledUp = false;
    for (var rollup : ROLLUP_TABLES) {
      String table = rollup.getKey();
      if (!warehouse.exists(table)) {
        if (anyRolledUp) {
          return "the rollup table " + table + " is missing (an older release, or removed)";
        }
        continue;
      }
      anyRolledUp = true;
      String built = warehouse.properties(table).get(ROLLUP_SETTINGS_PROPERTY);
      if (!wanted.equals(built)) {
        return built == null
            ? "the rollups do not record the settings they were built with (an older release)"
            : "the rollup settings changed from " + built + " to " + wanted;
      }
    }
    return null;
  }
}
