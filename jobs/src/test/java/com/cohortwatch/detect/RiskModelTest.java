package com.cohortwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.schema.ModelInputs;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The shipped artefact loads, names every input, and scores accounts as the product promises. */
class RiskModelTest {
  private static final RiskModel SHIPPED = RiskModel.resource(RiskModel.EMBEDDED);

  @Test
  void theShippedArtefactNamesEveryInputAndAVersion() {
    assertThat(SHIPPED.version()).isNotBlank();
    assertThat(SHIPPED.coefficients().keySet())
        .containsExactlyInAnyOrderElementsOf(ModelInputs.NAMES);
    assertThat(RiskModel.resource(RiskModel.HAND_SET).version()).isEqualTo("cw-hand-2.0");
  }

  @Test
  void aBrokenArtefactFailsWithOneClearLine() {
    assertThatThrownBy(() -> RiskModel.parse("{\"model_version\":\"x\",\"intercept\":1}"))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("coefficients");
    assertThatThrownBy(
            () ->
                RiskModel.parse(
                    "{\"model_version\":\"x\",\"intercept\":1,\"coefficients\":{\"own_foo\":1}}"))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("no coefficient");
  }

  /** One account in no cluster, scored by the shipped model: its risk_score. */
  private static double singleton(
      long logins, long anon, long foreign, long nonAnonKnown, long home, double tz) {
    return SingletonScoring.score(
            SHIPPED, logins, anon, foreign, nonAnonKnown, home, tz, 0.95, null)
        .getDouble(1);
  }

  @Test
  void overwhelmingOwnEvidenceReachesHighOutsideAnyCluster() {
    // a UTC+9 shift claiming New York, 88 % of logins through VPN or hosting, the rest abroad
    assertThat(singleton(100, 88, 12, 12, 0, 1.0)).isGreaterThanOrEqualTo(0.6);
  }

  @Test
  void anAccountHandedToAHolderBehindVpnsReachesHighAloneButNotForTheHandoverAlone() {
    java.sql.Date handover = java.sql.Date.valueOf("2026-11-05");
    // since the handover every login through VPN or hosting, on the claimed zone's hours
    Row rented = SingletonScoring.score(SHIPPED, 40, 40, 0, 0, 0, 0.0, 0.9, handover);
    assertThat(rented.getDouble(1)).isGreaterThanOrEqualTo(0.6);
    assertThat(rented.<Row>getList(0))
        .extracting(r -> r.<String>getAs("text"))
        .anySatisfy(
            t ->
                assertThat(t)
                    .isEqualTo(
                        "HANDED_OVER: since it changed hands on 2026-11-05 (new devices and"
                            + " networks only): 100 % of logins through hosting or VPN addresses"));
    // the same logins without a handover: an honest VPN user's shape
    assertThat(SingletonScoring.score(SHIPPED, 40, 40, 0, 0, 0, 0.0, 0.9, null).getDouble(1))
        .isLessThan(0.6);
    // a handover to someone at home in the claimed country (a phone replaced on a mobile line)
    assertThat(SingletonScoring.score(SHIPPED, 40, 0, 0, 40, 40, 0.0, 0.9, handover).getDouble(1))
        .isLessThan(0.6);
  }

  /** A member of a cluster, scored by the shipped model from its inputs. */
  private static double member(java.util.Map<String, Double> inputs) {
    double z = SHIPPED.intercept();
    for (java.util.Map.Entry<String, Double> e : inputs.entrySet()) {
      z += SHIPPED.coefficient(e.getKey()) * e.getValue();
    }
    return 1 / (1 + Math.exp(-z));
  }

  /**
   * Members of a cluster behind one home address, all claiming where the address is and all at the
   * keyboard together on one working day far from their claimed zone.
   */
  private static java.util.Map<String, Double> farShiftHome(int members, double burst) {
    java.util.Map<String, Double> inputs = new java.util.TreeMap<>();
    inputs.put(ModelInputs.OWN_TZ_MISMATCH, 1.0);
    inputs.put(ModelInputs.OWN_HOME, 1.0);
    inputs.put(ModelInputs.IN_CLUSTER, 1.0);
    inputs.put(ModelInputs.CLUSTER_SIZE, Math.log(members) / Math.log(100));
    inputs.put(ModelInputs.CLUSTER_TZ_MISMATCH, 1.0);
    inputs.put(ModelInputs.CLUSTER_SHARED_SHIFT, 1.0);
    inputs.put(ModelInputs.CLUSTER_CREATION_BURST, burst);
    inputs.put(ModelInputs.CLUSTER_CO_LOGIN, 1.0);
    inputs.put(ModelInputs.CLUSTER_CO_LOGIN_BURST, burst);
    inputs.put(ModelInputs.CLUSTER_HOME, 1.0);
    return inputs;
  }

  @Test
  void aSmallCellMadeTogetherOnOneFarShiftReachesHigh() {
    // issue 15's first miss: three accounts claiming the US behind one US residential address,
    // every login on a UTC+9 working day, at the keyboard together, created within weeks
    // (burst (3 - 1) / 4)
    assertThat(member(farShiftHome(3, 0.5))).isGreaterThanOrEqualTo(0.6);
  }

  @Test
  void twoNightShiftFreelancersSharingAHomeStayBelowHigh() {
    // the same shift and address, but two people who joined years apart: no creation burst
    assertThat(member(farShiftHome(2, 0.0))).isLessThan(0.6);
  }

  @Test
  void anHonestNightShiftFreelancerAtHomeStaysBelowHigh() {
    // the same far shift, but every login from ordinary networks in the country she claims
    assertThat(singleton(100, 0, 0, 100, 100, 1.0)).isLessThan(0.6);
  }
}
