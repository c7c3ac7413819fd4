package com.cohortwatch.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.detect.RiskModel;
import com.cohortwatch.schema.ModelInputs;
import com.cohortwatch.testing.SharedSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The fit on hand-made rows: signs held, the intercept rule met, an artefact the job loads. */
class TrainModelTest {

  private static StructType schema() {
    StructType s =
        new StructType()
            .add(TrainModel.WORLD, DataTypes.StringType)
            .add("account_id", DataTypes.StringType)
            .add(TrainModel.Y, DataTypes.DoubleType)
            .add(TrainModel.KIND, DataTypes.StringType);
    for (ModelInputs.Input in : ModelInputs.ALL) {
      s = s.add(in.name(), DataTypes.DoubleType);
    }
    return s;
  }

  private static Row row(int i, double y, String kind, Random r, String... strong) {
    Object[] v = new Object[4 + ModelInputs.ALL.size()];
    v[0] = "w1";
    v[1] = "a" + i;
    v[2] = y;
    v[3] = kind;
    for (int k = 0; k < ModelInputs.ALL.size(); k++) {
      String name = ModelInputs.ALL.get(k).name();
      double noise = 0.1 * r.nextDouble();
      v[4 + k] = List.of(strong).contains(name) ? 0.8 + 0.2 * r.nextDouble() : noise;
    }
    return RowFactory.create(v);
  }

  @Test
  void derivesAProductAnOlderWarehouseDoesNotPublishFromItsFactors() {
    // published cluster inputs are the cluster's value times the member's attachment
    StructType inputs =
        new StructType()
            .add(ModelInputs.IN_CLUSTER, DataTypes.DoubleType)
            .add(ModelInputs.CLUSTER_CO_LOGIN, DataTypes.DoubleType)
            .add(ModelInputs.CLUSTER_RESIDENTIAL_CROWD, DataTypes.DoubleType)
            .add(ModelInputs.CLUSTER_SHARED_DEVICE, DataTypes.DoubleType);
    StructType schema = new StructType().add(ModelInputs.COLUMN, inputs);
    Dataset<Row> rows =
        SharedSpark.spark()
            .createDataFrame(
                List.of(
                    RowFactory.create(RowFactory.create(0.5, 0.5, 0.25, 0.1)),
                    RowFactory.create(RowFactory.create(0.0, 0.0, 0.0, 0.0))),
                schema);
    java.util.Set<String> present = java.util.Set.of(inputs.fieldNames());
    List<Row> farm =
        rows.select(TrainModel.inputOf(ModelInputs.CLUSTER_HOME_FARM, present)).collectAsList();
    // attachment 0.5 x co-login 1 x crowd 0.5 x (1 - shared device 0.2)
    assertThat(farm.get(0).getDouble(0)).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(farm.get(1).getDouble(0)).isEqualTo(0.0);
  }

  @Test
  void fitsSignBoundedWeightsAndSetsTheInterceptForTheTargetPrecision() throws Exception {
    Random r = new Random(7);
    List<Row> rows = new ArrayList<>();
    int i = 0;
    for (int k = 0; k < 40; k++) {
      // operators: a shared wallet and a far shift
      rows.add(
          row(
              i++,
              1,
              "farm",
              r,
              ModelInputs.CLUSTER_SHARED_PAYOUT,
              ModelInputs.OWN_TZ_MISMATCH,
              ModelInputs.IN_CLUSTER));
    }
    for (int k = 0; k < 400; k++) {
      rows.add(row(i++, 0, "ordinary", r, ModelInputs.OWN_HOME));
    }
    for (int k = 0; k < 40; k++) {
      // honest night-shift freelancers: a far shift, at home, alone
      rows.add(row(i++, 0, "night_shift", r, ModelInputs.OWN_TZ_MISMATCH, ModelInputs.OWN_HOME));
    }
    Dataset<Row> data = SharedSpark.spark().createDataFrame(rows, schema());
    TrainModel.Config config =
        new TrainModel.Config(List.of("w1"), Path.of("unused"), "cw-test-1", "1", 0.01, 0.999, 0.6);
    RiskModel model = RiskModel.parse(TrainModel.fit(data, config));

    assertThat(model.version()).isEqualTo("cw-test-1");
    for (ModelInputs.Input in : ModelInputs.ALL) {
      double w = model.coefficient(in.name());
      if (in.sign() == ModelInputs.Sign.RAISES) {
        assertThat(w).as(in.name()).isGreaterThanOrEqualTo(0);
      } else if (in.sign() == ModelInputs.Sign.LOWERS) {
        assertThat(w).as(in.name()).isLessThanOrEqualTo(0);
      }
    }
    assertThat(model.coefficient(ModelInputs.CLUSTER_SHARED_PAYOUT)).isGreaterThan(1.0);
    // Every operator reaches high; no night-shift freelancer does.
    double tierHigh = Math.log(0.6 / 0.4);
    for (Row x : rows) {
      double z = model.intercept();
      for (int k = 0; k < ModelInputs.ALL.size(); k++) {
        z += model.coefficient(ModelInputs.ALL.get(k).name()) * x.getDouble(4 + k);
      }
      if (x.getDouble(2) == 1.0) {
        assertThat(z).as(x.getString(1)).isGreaterThanOrEqualTo(tierHigh);
      } else {
        assertThat(z).as(x.getString(1)).isLessThan(tierHigh);
      }
    }
  }
}
