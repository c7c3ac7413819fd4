package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.count;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;

/**
 * Sums and averages of doubles that do not depend on the order Spark adds the rows in.
 * Floating-point addition is not associative, and the order of a group's rows follows the
 * partitioning (shuffle width, which map output arrives first), so a plain {@code sum} or {@code
 * avg} of fractions gave a cluster run and a local run of the same input results that differed in
 * the last bit (found by StandaloneClusterIT). Each value is rounded to 18 decimals on its own and
 * the decimals are added exactly, so every order gives the same total.
 */
final class ExactSums {
  private ExactSums() {}

  private static final DecimalType EXACT = DataTypes.createDecimalType(38, 18);

  /** Like {@code sum}: null when every value is null. Values must stay within +-10^20. */
  static Column sum(Column values) {
    return functions.sum(values.cast(EXACT)).cast(DataTypes.DoubleType);
  }

  /** Like {@code avg}: the mean of the non-null values, null when there are none. */
  static Column avg(Column values) {
    return sum(values).divide(count(values));
  }
}
