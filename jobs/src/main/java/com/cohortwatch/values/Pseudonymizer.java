package com.cohortwatch.values;

import static org.apache.spark.sql.functions.udf;

import com.cohortwatch.CohortWatchException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Keyed HMAC-SHA256 of payout method ids: the same id always maps to the same pseudonym (so links
 * still work), but without the key nobody can tell which bank account or wallet it was.
 */
public final class Pseudonymizer {
  private Pseudonymizer() {}

  /**
   * Public, so never chosen silently: only with the explicit {@code --sample-key} flag, for the
   * committed data-samples/ whose payout ids are synthetic.
   */
  public static final String SAMPLE_KEY = "cohortwatch-sample-key-not-secret";

  public static final String ENV_KEY = "COHORTWATCH_HMAC_KEY";

  /** Shorter keys are guessable; 32 bytes is HMAC-SHA256's own output size. */
  public static final int MIN_KEY_BYTES = 32;

  /** Table property of bronze payout_methods: the fingerprint of the key its pseudonyms use. */
  public static final String FINGERPRINT_PROPERTY = "cohortwatch.hmac-key-fingerprint";

  public static String pseudonym(String key, String id) {
    if (id == null) {
      return null;
    }
    byte[] digest = hmac(key, id);
    StringBuilder sb = new StringBuilder("pm-");
    for (int i = 0; i < 12; i++) {
      sb.append(String.format("%02x", digest[i]));
    }
    return sb.toString();
  }

  private static byte[] hmac(String key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * Names the key without revealing it: an HMAC of a fixed text under the key (a different text
   * from any payout id's, so it is not a pseudonym either).
   */
  public static String fingerprint(String key) {
    byte[] digest = hmac(key, "cohortwatch key fingerprint v1");
    return "hmac-sha256:" + HexFormat.of().formatHex(digest, 0, 8);
  }

  public static UserDefinedFunction udfFor(String key) {
    return udf((UDF1<String, String>) id -> pseudonym(key, id), DataTypes.StringType);
  }

  /**
   * The key, from (in order) a settings value (a config file or an embedding program; the command
   * line refuses it), the environment, or the file named by {@code keyFile}; or the public sample
   * key when {@code sampleKey} was asked for explicitly. At least {@link #MIN_KEY_BYTES} bytes.
   */
  public static String resolveKey(
      String configured, String keyFile, boolean sampleKey, Configuration conf) {
    if (sampleKey) {
      // Asked for by name; the warehouse's fingerprint keeps it from mixing with a real key.
      return SAMPLE_KEY;
    }
    String key = configured;
    String from = "privacy.hmac-key";
    if (blank(key)) {
      key = System.getenv(ENV_KEY);
      from = ENV_KEY;
    }
    if (blank(key) && !blank(keyFile)) {
      key = readKeyFile(keyFile, conf);
      from = "key file " + keyFile;
    }
    if (blank(key)) {
      throw new CohortWatchException(
          "no HMAC key for pseudonymising payout method ids: set "
              + ENV_KEY
              + " or --conf privacy.hmac-key-file=FILE (the public sample key only with"
              + " --sample-key)");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < MIN_KEY_BYTES) {
      throw new CohortWatchException(
          "the HMAC key from "
              + from
              + " is "
              + bytes
              + " bytes; at least "
              + MIN_KEY_BYTES
              + " are needed (e.g. `openssl rand -hex 32`)");
    }
    return key;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** The key file's content without its trailing newline, through Hadoop (any file system). */
  private static String readKeyFile(String file, Configuration conf) {
    Path path = new Path(file);
    try (InputStream in = path.getFileSystem(conf).open(path)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) > 0 && out.size() < 65536) {
        out.write(buf, 0, n);
      }
      return out.toString(StandardCharsets.UTF_8).strip();
    } catch (IOException | RuntimeException e) {
      throw new CohortWatchException(
          "cannot read the HMAC key file " + file + ": " + e.getClass().getSimpleName());
    }
  }

  /**
   * Fails before any write when the warehouse's pseudonyms were made with another key: mixing two
   * pseudonym spaces would silently break every payout link across the change.
   */
  public static void checkFingerprint(String recorded, String key, String warehouse) {
    String ours = fingerprint(key);
    if (recorded != null && !recorded.equals(ours)) {
      throw new CohortWatchException(
          "warehouse "
              + warehouse
              + " was built with HMAC key "
              + recorded
              + " but this run's key is "
              + ours
              + ": use the warehouse's key (or a new warehouse)");
    }
  }
}
