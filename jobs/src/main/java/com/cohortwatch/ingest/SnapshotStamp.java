package com.cohortwatch.ingest;

import com.cohortwatch.config.Settings;
import com.cohortwatch.io.InputFiles;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.schema.InputTable;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Properties;

/**
 * Recognises a snapshot export (accounts, payout methods, IP intelligence, decisions) that an
 * earlier run already ingested, so a nightly run does not re-read, re-validate and rewrite a
 * million unchanged rows.
 *
 * <p>The stamp covers what decides the bronze rows: the export's files (path, size and modification
 * time of each), the validation settings, the pseudonym key's fingerprint and the release that
 * validated them. The bronze commit that ingested an export carries its stamp in its {@code
 * userMetadata}, so the stamp and the rows are committed together. Any later commit to the table
 * (an erasure, a schema upgrade) leaves a newest commit without it, and the next run reads the
 * export again. An export whose validation depended on the clock (a record rejected as future-dated
 * might be valid tomorrow) gets no stamp.
 */
final class SnapshotStamp {
  private SnapshotStamp() {}

  /** The value of {@code ingest.snapshot-reuse} that reuses unchanged exports. */
  static final String REUSE_UNCHANGED = "unchanged";

  /** The userMetadata field holding the stamp of the export a bronze commit ingested. */
  static final String STAMP_FIELD = "snapshot_stamp";

  static final String RUN_DATE_FIELD = "run_date";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RELEASE = release();

  /** The stamp of one snapshot table's export as listed now, under these settings and key. */
  static String of(
      InputTable table, InputFiles.Listing listing, Settings settings, String keyFingerprint) {
    return InputFiles.sha256(
        String.join(
            "\n",
            table.folder(),
            listing.stamp(),
            settings.get(Settings.FUTURE_SKEW_HOURS),
            settings.get(Settings.EARLIEST_VALID_DATE),
            keyFingerprint,
            RELEASE));
  }

  /**
   * The userMetadata of the bronze commit that ingests an export: the run, and the stamp when the
   * export may be reused (null stamp: not reusable).
   */
  static String commitMetadata(String stamp, LocalDate runDate, String runId) {
    ObjectNode node = JSON.createObjectNode();
    node.put(RUN_DATE_FIELD, runDate.toString());
    node.put("run_id", runId);
    if (stamp != null) {
      node.put(STAMP_FIELD, stamp);
    }
    return node.toString();
  }

  /** What a bronze commit's userMetadata says it ingested, when it carries a stamp. */
  record Ingested(String stamp, String runDate) {}

  static Optional<Ingested> ingested(String userMetadata) {
    if (userMetadata == null || userMetadata.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(userMetadata);
      if (node == null || !node.path(STAMP_FIELD).isTextual()) {
        return Optional.empty();
      }
      return Optional.of(
          new Ingested(node.get(STAMP_FIELD).asText(), node.path(RUN_DATE_FIELD).asText("?")));
    } catch (JsonProcessingException e) {
      // Metadata another tool wrote: not ours, so the export is read again.
      return Optional.empty();
    }
  }

  /**
   * The run date of the run whose bronze commit ingested the export with this stamp, when that
   * commit is still the table's newest; empty otherwise (the export must be read).
   */
  static Optional<String> ingestedBy(Warehouse warehouse, String table, String stamp) {
    if (!warehouse.exists(table)) {
      return Optional.empty();
    }
    return ingested(warehouse.lastCommit(table).userMetadata())
        .filter(i -> i.stamp().equals(stamp))
        .map(Ingested::runDate);
  }

  /**
   * The release that validates: its version and git commit (built into the jar), so a new release
   * reads every export once with its own rules.
   */
  private static String release() {
    Properties p = new Properties();
    for (String resource :
        new String[] {"/cohortwatch-build.properties", "/cohortwatch-commit.properties"}) {
      try (InputStream in = SnapshotStamp.class.getResourceAsStream(resource)) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // without build details, the stamp still covers the files and the settings
      }
    }
    return p.getProperty("version", "?")
        + " "
        + p.getProperty("commit", "?")
        + " "
        + p.getProperty("dirty", "?");
  }
}
