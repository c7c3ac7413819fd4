package com.cohortwatch.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.ModelInputs;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.spark.Sessions;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Fits the risk model on training worlds and writes the versioned artefact the job scores with.
 *
 * <p>Each world is a folder with {@code in/truth/accounts.csv} (the generator's truth) and {@code
 * wh/} (a warehouse the nightly job scored). The rows are the scored accounts' {@code model_inputs}
 * of the newest run date with the truth's label. The fit is Spark MLlib's logistic regression with
 * L2 regularisation and each coefficient held to the sign its input allows ({@link
 * ModelInputs.Sign}). Rows are weighted so that every kind of account (each benign look-alike, each
 * operator style) weighs the same within its class, and the two classes the same: a campus of
 * thousands must not drown the households, nor blatant rings the careful ones.
 *
 * <p>Class weighting moves the intercept away from the real prevalence, so the intercept is then
 * set from the data: the lowest logit at which the training worlds' flagged accounts still reach
 * {@code --target-precision} is put at the high tier's threshold.
 *
 * <pre>
 * TrainModel --worlds DIR[,DIR...] --out FILE --version V [--seeds TEXT] [--reg 0.002]
 *            [--target-precision 0.97] [--tier-high 0.6]
 * </pre>
 */
public final class TrainModel {
  private TrainModel() {}

  static final String LABEL = "label";
  static final String KIND = "kind";
  static final String WORLD = "world";
  static final String Y = "_y";
  static final String W = "_w";
  static final String FEATURES = "_features";

  /** What the fit is given. */
  record Config(
      List<String> worlds,
      Path out,
      String version,
      String seeds,
      double reg,
      double targetPrecision,
      double tierHigh) {

    static Config parse(String[] args) {
      Map<String, String> o = new TreeMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        if (!args[i].startsWith("--")) {
          throw new IllegalArgumentException("expected --flag VALUE pairs, got " + args[i]);
        }
        o.put(args[i].substring(2), args[i + 1]);
      }
      if (!o.containsKey("worlds") || !o.containsKey("out") || !o.containsKey("version")) {
        throw new IllegalArgumentException(
            "usage: TrainModel --worlds DIR[,DIR...] --out FILE --version V [--seeds TEXT]"
                + " [--reg 0.002] [--target-precision 0.97] [--tier-high 0.6]");
      }
      return new Config(
          List.of(o.get("worlds").split(",")),
          Path.of(o.get("out")),
          o.get("version"),
          o.getOrDefault("seeds", ""),
          Double.parseDouble(o.getOrDefault("reg", "0.002")),
          Double.parseDouble(o.getOrDefault("target-precision", "0.97")),
          Double.parseDouble(o.getOrDefault("tier-high", "0.6")));
    }
  }

  public static void main(String[] args) throws Exception {
    Config config;
    try {
      config = Config.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("train: " + e.getMessage());
      System.exit(2);
      return;
    }
    SparkSession spark = Sessions.forCli("cohortwatch-train");
    try {
      String json = run(spark, config);
      Files.writeString(config.out(), json, StandardCharsets.UTF_8);
      System.out.println("train: wrote " + config.out());
    } finally {
      spark.stop();
    }
  }

  /** Reads the worlds, fits, and returns the artefact's JSON text. */
  static String run(SparkSession spark, Config config) {
    Dataset<Row> rows = null;
    for (String world : config.worlds()) {
      Dataset<Row> one = worldRows(spark, world);
      rows = rows == null ? one : rows.unionByName(one);
    }
    return fit(rows.cache(), config);
  }

  /** One world's scored accounts: world, account_id, label (1 operator), kind, model inputs. */
  static Dataset<Row> worldRows(SparkSession spark, String world) {
    Dataset<Row> risk = spark.read().format("delta").load(world + "/wh/" + TableNames.ACCOUNT_RISK);
    Dataset<Row> newest =
        risk.withColumn("_newest", max(col(Cols.RUN_DATE)).over(Window.partitionBy()))
            .filter(col(Cols.RUN_DATE).equalTo(col("_newest")));
    Dataset<Row> truth =
        spark
            .read()
            .option("header", "true")
            .csv(world + "/in/truth/accounts.csv")
            .select(
                col(Cols.ACCOUNT_ID).as("_t"),
                when(col(LABEL).equalTo("operator"), 1.0).otherwise(0.0).as(Y),
                col(KIND));
    List<Column> cols = new ArrayList<>();
    cols.add(lit(world).as(WORLD));
    cols.add(col(Cols.ACCOUNT_ID));
    cols.add(col(Y));
    cols.add(col(KIND));
    org.apache.spark.sql.types.StructType published =
        (org.apache.spark.sql.types.StructType) risk.schema().apply(ModelInputs.COLUMN).dataType();
    java.util.Set<String> present = java.util.Set.of(published.fieldNames());
    for (ModelInputs.Input in : ModelInputs.ALL) {
      cols.add(inputOf(in.name(), present).as(in.name()));
    }
    return newest
        .join(truth, col(Cols.ACCOUNT_ID).equalTo(col("_t")))
        .select(cols.toArray(new Column[0]));
  }

  /**
   * An input as published, or, for a product input a warehouse scored before it existed lacks, its
   * factors' product: each published factor is the cluster's value times the attachment (the
   * account's in_cluster), so the product is the attachment times the product of each factor's
   * published value over the attachment (or 1 minus it, for a complement).
   */
  static Column inputOf(String name, java.util.Set<String> present) {
    if (present.contains(name) || !ModelInputs.PRODUCTS.containsKey(name)) {
      return col(ModelInputs.COLUMN + "." + name);
    }
    Column attachment = col(ModelInputs.COLUMN + "." + ModelInputs.IN_CLUSTER);
    Column product =
        ModelInputs.product(
            ModelInputs.PRODUCTS.get(name),
            input -> col(ModelInputs.COLUMN + "." + input).divide(attachment));
    return when(attachment.gt(0), attachment.multiply(product)).otherwise(lit(0.0));
  }

  /** Weights each (label, kind) equally within its class and the classes equally. */
  static Dataset<Row> weighted(Dataset<Row> rows) {
    Dataset<Row> perKind =
        rows.groupBy(col(Y).as("_ky"), col(KIND).as("_kk")).agg(count(lit(1)).as("_kn"));
    Dataset<Row> kindsPerClass =
        perKind.groupBy(col("_ky").as("_cy")).agg(count(lit(1)).as("_kinds"));
    return rows.join(perKind, col(Y).equalTo(col("_ky")).and(col(KIND).equalTo(col("_kk"))))
        .join(kindsPerClass, col(Y).equalTo(col("_cy")))
        .withColumn(W, lit(1.0).divide(col("_kn").multiply(col("_kinds"))))
        .drop("_ky", "_kk", "_kn", "_cy", "_kinds");
  }

  static String fit(Dataset<Row> rows, Config config) {
    int n = ModelInputs.ALL.size();
    String[] names = ModelInputs.ALL.stream().map(ModelInputs.Input::name).toArray(String[]::new);
    Dataset<Row> assembled =
        new VectorAssembler()
            .setInputCols(names)
            .setOutputCol(FEATURES)
            .transform(weighted(rows))
            .cache();
    // Sum of weights is 2 (one per class): scale to the row count so regParam keeps its meaning.
    long count = assembled.count();
    Dataset<Row> train = assembled.withColumn(W, col(W).multiply(count / 2.0));
    double[] lower = new double[n];
    double[] upper = new double[n];
    for (int i = 0; i < n; i++) {
      lower[i] = ModelInputs.floor(ModelInputs.ALL.get(i));
      upper[i] = ModelInputs.ceiling(ModelInputs.ALL.get(i));
    }
    Matrix lowerBounds = new DenseMatrix(1, n, lower);
    Matrix upperBounds = new DenseMatrix(1, n, upper);
    LogisticRegressionModel lr =
        new LogisticRegression()
            .setFeaturesCol(FEATURES)
            .setLabelCol(Y)
            .setWeightCol(W)
            .setRegParam(config.reg())
            .setElasticNetParam(0)
            .setStandardization(false)
            .setFitIntercept(true)
            .setMaxIter(300)
            .setTol(1e-7)
            // Signs and domain floors (ModelInputs.FLOORS) as box constraints (LBFGS-B).
            .setLowerBoundsOnCoefficients(lowerBounds)
            .setUpperBoundsOnCoefficients(upperBounds)
            .fit(train);
    double[] w = lr.coefficients().toArray();
    Column rawLogit = lit(0.0);
    for (int i = 0; i < n; i++) {
      rawLogit = rawLogit.plus(col(names[i]).multiply(w[i]));
    }
    Dataset<Row> scored = assembled.withColumn("_z", rawLogit);
    double threshold = thresholdForPrecision(scored, config.targetPrecision());
    double intercept = logit(config.tierHigh()) - threshold;
    Metrics m = Metrics.of(scored.withColumn("_z", col("_z").plus(intercept)), config.tierHigh());
    assembled.unpersist();
    return artefact(config, names, w, intercept, lr.intercept(), threshold, count, m);
  }

  static double logit(double p) {
    return Math.log(p / (1 - p));
  }

  /**
   * The lowest raw logit (in 0.01 steps) at which the accounts at or above it are still at least
   * {@code target} operators, pooled over the training worlds; a histogram reaches the driver, not
   * the rows.
   */
  static double thresholdForPrecision(Dataset<Row> scored, double target) {
    List<Row> bins =
        scored
            .groupBy(round(col("_z"), 2).as("_b"))
            .agg(sum(col(Y)).as("_pos"), count(lit(1)).as("_n"))
            .orderBy(col("_b").desc())
            .collectAsList();
    double best = bins.isEmpty() ? 0 : bins.get(0).getDouble(0);
    double pos = 0;
    long all = 0;
    for (Row b : bins) {
      pos += b.getDouble(1);
      all += b.getLong(2);
      if (pos / all >= target) {
        best = b.getDouble(0);
      }
    }
    // The bin holds logits rounded to it: its lower edge keeps every account of the bin.
    return best - 0.005;
  }

  /** Training-world figures kept in the artefact (pooled over its worlds). */
  record Metrics(
      long accounts,
      long operators,
      double precisionAtHigh,
      double recallAtHigh,
      Map<String, double[]> flaggedByKind) {

    static Metrics of(Dataset<Row> scored, double tierHigh) {
      Column flagged = col("_z").geq(logit(tierHigh));
      List<Row> rows =
          scored
              .groupBy(col(Y), col(KIND))
              .agg(count(lit(1)).as("_n"), sum(when(flagged, 1).otherwise(0)).as("_f"))
              .collectAsList();
      long accounts = 0;
      long operators = 0;
      long flaggedOps = 0;
      long flaggedAll = 0;
      Map<String, double[]> byKind = new TreeMap<>();
      for (Row r : rows) {
        long k = r.getLong(2);
        long f = r.getLong(3);
        accounts += k;
        flaggedAll += f;
        if (r.getDouble(0) == 1.0) {
          operators += k;
          flaggedOps += f;
        }
        byKind.put(
            (r.getDouble(0) == 1.0 ? "operator/" : "benign/") + r.getString(1),
            new double[] {f, k});
      }
      return new Metrics(
          accounts,
          operators,
          flaggedAll == 0 ? 0 : (double) flaggedOps / flaggedAll,
          operators == 0 ? 0 : (double) flaggedOps / operators,
          byKind);
    }
  }

  static String artefact(
      Config config,
      String[] names,
      double[] w,
      double intercept,
      double fittedIntercept,
      double threshold,
      long rows,
      Metrics m) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("model_version", config.version());
    root.put(
        "kind",
        "logistic regression fitted on generated training worlds (Spark MLlib, L2, sign-bounded"
            + " coefficients, kind-balanced row weights)");
    root.put(
        "scaling",
        "none: every input is already in [0, 1], 0 meaning no evidence (schema/ModelInputs.java)");
    root.put("intercept", round4(intercept));
    ObjectNode coefficients = root.putObject("coefficients");
    for (int i = 0; i < names.length; i++) {
      ObjectNode c = coefficients.putObject(names[i]);
      c.put("weight", round4(w[i]));
      c.put("sign", ModelInputs.ALL.get(i).sign().name().toLowerCase(java.util.Locale.ROOT));
      if (ModelInputs.FLOORS.containsKey(names[i])) {
        c.put("floor", ModelInputs.FLOORS.get(names[i]));
      }
      c.put("doc", ModelInputs.ALL.get(i).doc());
      List<ModelInputs.Factor> factors = ModelInputs.PRODUCTS.get(names[i]);
      if (factors != null) {
        // so bench/rescore.py can derive the product for worlds scored before it existed
        com.fasterxml.jackson.databind.node.ArrayNode of = c.putArray("product_of");
        factors.forEach(f -> of.add((f.complement() ? "1-" : "") + f.input()));
      }
    }
    ObjectNode training = root.putObject("training");
    ArrayNode worlds = training.putArray("worlds");
    config.worlds().forEach(x -> worlds.add(Path.of(x).getFileName().toString()));
    training.put("seeds", config.seeds());
    training.put("rows", rows);
    training.put("operators", m.operators());
    training.put("reg_param", config.reg());
    training.put("fitted_intercept", round4(fittedIntercept));
    training.put(
        "intercept_rule",
        "intercept = logit(tier-high) - the lowest raw logit whose flagged training accounts are"
            + " at least target_precision operators");
    training.put("target_precision", config.targetPrecision());
    training.put("raw_logit_threshold", threshold);
    training.put("command", "bench/train-model.sh");
    ObjectNode metrics = root.putObject("training_metrics");
    metrics.put("accounts", m.accounts());
    metrics.put("precision_at_high", round4(m.precisionAtHigh()));
    metrics.put("recall_at_high", round4(m.recallAtHigh()));
    ObjectNode kinds = metrics.putObject("flagged_by_kind");
    m.flaggedByKind()
        .forEach((k, v) -> kinds.put(k, String.format("%d of %d", (long) v[0], (long) v[1])));
    try {
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double round4(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }
}
