package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.udf;

import com.cohortwatch.CohortWatchException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Keyed HMAC-SHA256 of payout method ids: the same id always maps to the same pseudonym (so links
 * still work), but without the key nobody can tell which bank account or wallet it was.
 */
public final class Pseudonymizer {
  private Pseudonymizer() {}

  /** Used only for the committed data-samples/, whose payout ids are synthetic. */
  public static final String SAMPLE_KEY = "cohortwatch-sample-key-not-secret";

  public static final String ENV_KEY = "COHORTWATCH_HMAC_KEY";

  public static String pseudonym(String key, String id) {
    if (id == null) {
      return null;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] digest = mac.doFinal(id.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder("pm-");
      for (int i = 0; i < 12; i++) {
        sb.append(String.format("%02x", digest[i]));
      }
      return sb.toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  public static UserDefinedFunction udfFor(String key) {
    return udf((UDF1<String, String>) id -> pseudonym(key, id), DataTypes.StringType);
  }

  /** The key from the settings, else the environment; the sample key only for sample runs. */
  public static String resolveKey(String configured, boolean sampleRun) {
    String key = configured;
    if (key == null || key.isBlank()) {
      key = System.getenv(ENV_KEY);
    }
    if (key == null || key.isBlank()) {
      if (sampleRun) {
        return SAMPLE_KEY;
      }
      throw new CohortWatchException(
          "no HMAC key for pseudonymising payout method ids: set "
              + ENV_KEY
              + " or --conf privacy.hmac-key=...");
    }
    return key;
  }
}
