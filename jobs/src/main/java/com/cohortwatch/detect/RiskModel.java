package com.cohortwatch.detect;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.schema.ModelInputs;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scoring model as data: a logistic regression over the named inputs of {@link ModelInputs},
 * read from a versioned, human-readable JSON artefact (named coefficients, the intercept, how the
 * inputs are scaled, the training seeds and metrics). The job never hard-codes a weight; {@code
 * model_version} in every scored row names the artefact that produced it.
 *
 * @param version the artefact's {@code model_version}
 * @param intercept the logit of an account with every input at 0
 * @param coefficients input name to its weight on the logit, for every input of {@link ModelInputs}
 */
public record RiskModel(String version, double intercept, Map<String, Double> coefficients) {

  /** The artefact the job scores with unless {@code model.file} names another. */
  public static final String EMBEDDED = "/model/cohortwatch-model.json";

  /** The weights set by hand before any fitting, kept as the baseline and for reason tests. */
  public static final String HAND_SET = "/model/cohortwatch-hand-set.json";

  public RiskModel {
    coefficients = Collections.unmodifiableMap(new LinkedHashMap<>(coefficients));
    for (String name : ModelInputs.NAMES) {
      if (!coefficients.containsKey(name)) {
        throw new CohortWatchException(
            "model " + version + " has no coefficient for input " + name);
      }
    }
    for (String name : coefficients.keySet()) {
      if (!ModelInputs.NAMES.contains(name)) {
        throw new CohortWatchException("model " + version + " names an unknown input " + name);
      }
    }
  }

  public double coefficient(String input) {
    return coefficients.get(input);
  }

  /** The artefact on the classpath (the embedded model, or the hand-set baseline). */
  public static RiskModel resource(String path) {
    try (InputStream in = RiskModel.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new CohortWatchException("model artefact " + path + " is not in the jar");
      }
      return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new CohortWatchException("cannot read model artefact " + path + ": " + e.getMessage());
    }
  }

  /** Parses an artefact: {@code model_version}, {@code intercept}, {@code coefficients}. */
  public static RiskModel parse(String json) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new CohortWatchException("model artefact is not JSON: " + e.getMessage());
    }
    JsonNode version = root.get("model_version");
    JsonNode intercept = root.get("intercept");
    JsonNode coefficients = root.get("coefficients");
    if (version == null || !version.isTextual() || intercept == null || !intercept.isNumber()) {
      throw new CohortWatchException("model artefact needs model_version and intercept");
    }
    if (coefficients == null || !coefficients.isObject()) {
      throw new CohortWatchException("model artefact needs a coefficients object");
    }
    Map<String, Double> weights = new LinkedHashMap<>();
    coefficients
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode w = e.getValue().isObject() ? e.getValue().get("weight") : e.getValue();
              if (w == null || !w.isNumber() || !Double.isFinite(w.asDouble())) {
                throw new CohortWatchException(
                    "model artefact: coefficient " + e.getKey() + " is not a finite number");
              }
              weights.put(e.getKey(), w.asDouble());
            });
    if (!Double.isFinite(intercept.asDouble())) {
      throw new CohortWatchException("model artefact: intercept is not a finite number");
    }
    return new RiskModel(version.asText(), intercept.asDouble(), weights);
  }
}
