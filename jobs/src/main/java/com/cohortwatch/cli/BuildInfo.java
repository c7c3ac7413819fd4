package com.cohortwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What `cohortwatch --version` prints: our version and git commit (filled in at build time), and
 * the Spark and Delta Lake the jar runs on, which under spark-submit are the cluster's and may
 * differ from the ones it was built against.
 */
record BuildInfo(
    String version,
    String commit,
    String builtSpark,
    String builtDelta,
    String spark,
    String delta) {

  static final String RESOURCE = "/cohortwatch-build.properties";
  static final String COMMIT_RESOURCE = "/cohortwatch-commit.properties";

  static BuildInfo load() {
    Properties p = new Properties();
    for (String resource : new String[] {RESOURCE, COMMIT_RESOURCE}) {
      try (InputStream in = BuildInfo.class.getResourceAsStream(resource)) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // an unreadable resource only loses the build-time details; the runtime ones still print
      }
    }
    String commit = filled(p.getProperty("commit"));
    if (!commit.equals("unknown") && "true".equals(p.getProperty("dirty"))) {
      commit += " (with uncommitted changes)";
    }
    return new BuildInfo(
        filled(p.getProperty("version")),
        commit,
        filled(p.getProperty("spark")),
        filled(p.getProperty("delta")),
        runtimeVersion("org.apache.spark.package$", "SPARK_VERSION"),
        runtimeVersion("io.delta.package$", "VERSION"));
  }

  /** A property Maven did not fill in (a build without git, an IDE) reads "unknown". */
  private static String filled(String value) {
    return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
  }

  /** The version a Scala package object reports, or "not found" when its jar is absent. */
  private static String runtimeVersion(String packageObject, String method) {
    try {
      Class<?> c = Class.forName(packageObject);
      Object module = c.getField("MODULE$").get(null);
      return String.valueOf(c.getMethod(method).invoke(module));
    } catch (ReflectiveOperationException | LinkageError e) {
      return "not found";
    }
  }

  String describe() {
    return String.format(
        "CohortWatch %s (git %s)%nSpark %s (built against %s)%nDelta Lake %s (built against %s)",
        version, commit, spark, builtSpark, delta, builtDelta);
  }
}
