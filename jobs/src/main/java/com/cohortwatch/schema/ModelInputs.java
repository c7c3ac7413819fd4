package com.cohortwatch.schema;

import static org.apache.spark.sql.functions.lit;

import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The named inputs of the risk model, defined once: every input is a number in [0, 1] where 0 means
 * "no evidence", so a coefficient reads as the most that input can add to the logit. The {@code
 * own_*} inputs are the account's own evidence; the {@code cluster_*} inputs are its cluster's,
 * scaled by how firmly the account hangs on the cluster (its attachment), and 0 for an account in
 * no cluster. On a cluster's own row the {@code own_*} inputs are the members' averages and the
 * attachment is 1: the cluster scores as a typical fully attached member would.
 *
 * <p>{@link Sign} is the direction domain knowledge allows a fitted coefficient to take: evidence
 * of common control can only raise the score, the two signs of a legitimate group can only lower
 * it, so a fit cannot learn, say, that foreign logins are innocent because the training worlds
 * happened to make them so.
 */
public final class ModelInputs {
  private ModelInputs() {}

  /** The direction a fitted coefficient may take. */
  public enum Sign {
    RAISES,
    LOWERS,
    EITHER,
    /** Published for analysts, never scored: its coefficient is held at 0. */
    NOT_SCORED
  }

  /**
   * One input.
   *
   * @param name its column in {@code model_inputs} and its key in the artefact
   * @param sign the allowed direction of its coefficient
   * @param code the reason code its contribution is reported under
   * @param doc what it measures (docs/MODEL.md has the same list)
   */
  public record Input(String name, Sign sign, String code, String doc) {}

  /** The struct column of account_risk and cluster_risk that holds the inputs scored. */
  public static final String COLUMN = "model_inputs";

  public static final String OWN_TZ_MISMATCH = "own_tz_mismatch";
  public static final String OWN_ANONYMISED = "own_anonymised";
  public static final String OWN_FOREIGN = "own_foreign";
  public static final String OWN_HOME = "own_home";
  public static final String OWN_FAR_SHIFT_ABROAD = "own_far_shift_abroad";
  public static final String OWN_FAR_SHIFT_HIDDEN = "own_far_shift_hidden";
  public static final String OWN_HIDDEN_ABROAD = "own_hidden_abroad";
  public static final String OWN_HANDED_OVER = "own_handed_over";
  public static final String OWN_HANDED_OVER_HIDDEN = "own_handed_over_hidden";
  public static final String IN_CLUSTER = "in_cluster";
  public static final String CLUSTER_SIZE = "cluster_size";
  public static final String CLUSTER_IDENTITY_SPREAD = "cluster_identity_spread";
  public static final String CLUSTER_TZ_MISMATCH = "cluster_tz_mismatch";
  public static final String CLUSTER_SHARED_SHIFT = "cluster_shared_shift";
  public static final String CLUSTER_CREATION_BURST = "cluster_creation_burst";
  public static final String CLUSTER_ANONYMISED = "cluster_anonymised";
  public static final String CLUSTER_FOREIGN = "cluster_foreign";
  public static final String CLUSTER_SHARED_DEVICE = "cluster_shared_device";
  public static final String CLUSTER_SHARED_PAYOUT = "cluster_shared_payout";
  public static final String CLUSTER_RESIDENTIAL_CROWD = "cluster_residential_crowd";
  public static final String CLUSTER_CO_LOGIN = "cluster_co_login";
  public static final String CLUSTER_HOME = "cluster_home";
  public static final String CLUSTER_AGENCY = "cluster_agency";
  public static final String CLUSTER_CO_LOGIN_SPREAD = "cluster_co_login_spread";
  public static final String CLUSTER_CO_LOGIN_BURST = "cluster_co_login_burst";
  public static final String CLUSTER_HOME_FARM = "cluster_home_farm";

  public static final List<Input> ALL =
      List.of(
          new Input(
              OWN_TZ_MISMATCH,
              Sign.RAISES,
              "TZ_MISMATCH",
              "how much better a working day at least 4 hours from the claimed timezone explains"
                  + " the account's login hours"),
          new Input(
              OWN_ANONYMISED,
              Sign.RAISES,
              "ANONYMISED_INFRA",
              "share of the account's logins from hosting, VPN or Tor addresses"),
          new Input(
              OWN_FOREIGN,
              Sign.RAISES,
              "FOREIGN_IP",
              "share of the account's other logins from outside its claimed country"),
          new Input(
              OWN_HOME,
              Sign.LOWERS,
              "CONSISTENT_IDENTITY",
              "share of the account's logins from ordinary networks in its claimed country"),
          new Input(
              OWN_FAR_SHIFT_ABROAD,
              Sign.RAISES,
              "FAR_SHIFT_FROM_ABROAD",
              "own_tz_mismatch x own_foreign: a far-away shift worked from outside the claimed"
                  + " country (an honest night-shift freelancer works from the country she"
                  + " claims)"),
          new Input(
              OWN_FAR_SHIFT_HIDDEN,
              Sign.RAISES,
              "FAR_SHIFT_BEHIND_VPN",
              "own_tz_mismatch x own_anonymised: a far-away shift worked through VPN or hosting"
                  + " addresses"),
          new Input(
              OWN_HIDDEN_ABROAD,
              Sign.RAISES,
              "HIDDEN_ABROAD",
              "own_anonymised x own_foreign: logins mostly through VPN or hosting, and the few"
                  + " others from outside the claimed country (an honest VPN user's other logins"
                  + " come from home)"),
          new Input(
              OWN_HANDED_OVER,
              Sign.NOT_SCORED,
              "HANDED_OVER",
              "1 when the account changed hands in the window: from one moment on, only devices"
                  + " and subnets it never used before, and never again the old ones (not scored"
                  + " alone: a mobile user who replaces a phone looks the same; see the input"
                  + " below)"),
          new Input(
              OWN_HANDED_OVER_HIDDEN,
              Sign.RAISES,
              "HANDED_OVER",
              "own_handed_over x own_anonymised: an account that changed hands and has since"
                  + " logged in through hosting or VPN addresses (own inputs are measured from the"
                  + " handover on)"),
          new Input(
              IN_CLUSTER,
              Sign.EITHER,
              "SHARED_INFRASTRUCTURE",
              "attachment to a cluster of accounts sharing infrastructure (0 in no cluster)"),
          new Input(
              CLUSTER_SIZE,
              Sign.EITHER,
              "SHARED_INFRASTRUCTURE",
              "ln(size) / ln(100) of the cluster, capped at 1"),
          new Input(
              CLUSTER_IDENTITY_SPREAD,
              Sign.RAISES,
              "IDENTITY_SPREAD",
              "max((claimed countries - 1) / 2, (claimed timezones - 1 - [a timezone only one member"
                  + " claims]) / 3), capped at 1"),
          new Input(
              CLUSTER_TZ_MISMATCH, Sign.RAISES, "TZ_MISMATCH", "the members' mean own_tz_mismatch"),
          new Input(
              CLUSTER_SHARED_SHIFT,
              Sign.RAISES,
              "SHARED_SHIFT",
              "share of members whose working-hours offset agrees within an hour with the"
                  + " cluster's and lies at least 4 hours from their own claimed timezone"),
          new Input(
              CLUSTER_CREATION_BURST,
              Sign.RAISES,
              "CREATION_BURST",
              "(most members created, or handed to their current holder, within any 21 days - 1)"
                  + " / 4, capped at 1, times their share of the cluster"),
          new Input(
              CLUSTER_ANONYMISED,
              Sign.RAISES,
              "ANONYMISED_INFRA",
              "share of all members' logins from hosting, VPN or Tor"),
          new Input(
              CLUSTER_FOREIGN,
              Sign.RAISES,
              "FOREIGN_IP",
              "share of the members' other logins from outside the claimed countries"),
          new Input(
              CLUSTER_SHARED_DEVICE,
              Sign.RAISES,
              "SHARED_DEVICE",
              "(most members on one device - 1) / 3, capped at 1"),
          new Input(
              CLUSTER_SHARED_PAYOUT,
              Sign.RAISES,
              "SHARED_PAYOUT",
              "(most members on one payout method - 1) / 3, capped at 1"),
          new Input(
              CLUSTER_RESIDENTIAL_CROWD,
              Sign.RAISES,
              "RESIDENTIAL_CROWD",
              "(most members on one home line - 2) / 3, capped at 1: a residential address, or a"
                  + " mobile address on one day (laptops on a phone's hotspot)"),
          new Input(
              CLUSTER_CO_LOGIN,
              Sign.NOT_SCORED,
              "CO_LOGIN",
              "share of members with a co-login link (not scored alone: offices and households"
                  + " log in together too; see the two inputs below)"),
          new Input(
              CLUSTER_HOME,
              Sign.LOWERS,
              "CONSISTENT_IDENTITY",
              "share of the members' logins from ordinary networks in the claimed countries"),
          new Input(
              CLUSTER_AGENCY,
              Sign.LOWERS,
              "AGENCY_PROFILE",
              "share of registered agency members, when members share a payout method"),
          new Input(
              CLUSTER_CO_LOGIN_SPREAD,
              Sign.RAISES,
              "CO_LOGIN",
              "cluster_co_login x cluster_identity_spread: accounts that claim different"
                  + " countries or zones at the keyboard together behind one address (a call"
                  + " centre; an office's or a family's members claim where they are)"),
          new Input(
              CLUSTER_CO_LOGIN_BURST,
              Sign.RAISES,
              "CO_LOGIN",
              "cluster_co_login x cluster_creation_burst: accounts made together that log in"
                  + " together (an office's or a family's accounts were made over years)"),
          new Input(
              CLUSTER_HOME_FARM,
              Sign.RAISES,
              "HOME_FARM",
              "cluster_co_login x cluster_residential_crowd x (1 - cluster_shared_device): three or"
                  + " more accounts at the keyboard together behind one home line, each on a"
                  + " device of its own (a laptop farm keeps one laptop per identity; a family"
                  + " shares its laptop and takes turns)"));

  /**
   * One factor of a product input: another cluster input, or its complement (1 - input).
   *
   * @param input the factor's input name
   * @param complement whether the factor is 1 - the input
   */
  public record Factor(String input, boolean complement) {
    public static Factor of(String input) {
      return new Factor(input, false);
    }

    public static Factor oneMinus(String input) {
      return new Factor(input, true);
    }
  }

  /**
   * Inputs that are products of other cluster inputs, by their factors: a warehouse scored before
   * such an input existed can still be fitted on (train.TrainModel derives it, as bench/rescore.py
   * does).
   */
  public static final java.util.Map<String, List<Factor>> PRODUCTS =
      java.util.Map.of(
          CLUSTER_CO_LOGIN_SPREAD,
          List.of(Factor.of(CLUSTER_CO_LOGIN), Factor.of(CLUSTER_IDENTITY_SPREAD)),
          CLUSTER_CO_LOGIN_BURST,
          List.of(Factor.of(CLUSTER_CO_LOGIN), Factor.of(CLUSTER_CREATION_BURST)),
          CLUSTER_HOME_FARM,
          List.of(
              Factor.of(CLUSTER_CO_LOGIN),
              Factor.of(CLUSTER_RESIDENTIAL_CROWD),
              Factor.oneMinus(CLUSTER_SHARED_DEVICE)));

  /** Whether {@code input} is {@code factor} itself or a product with it as a plain factor. */
  public static boolean dependsOn(String input, String factor) {
    return input.equals(factor)
        || PRODUCTS.getOrDefault(input, List.of()).contains(Factor.of(factor));
  }

  /**
   * A product input's value: the product of its factors, each the value {@code factor} gives for
   * the factor's input, or 1 minus it for a complement.
   */
  public static Column product(List<Factor> factors, Function<String, Column> factor) {
    Column product = lit(1.0);
    for (Factor f : factors) {
      Column v = factor.apply(f.input());
      product = product.multiply(f.complement() ? lit(1.0).minus(v) : v);
    }
    return product;
  }

  public static final Set<String> NAMES =
      ALL.stream().map(Input::name).collect(Collectors.toUnmodifiableSet());

  /** The {@code model_inputs} struct: one double per input, in {@link #ALL}'s order. */
  public static final StructType SCHEMA = schema();

  private static StructType schema() {
    StructType s = new StructType();
    for (Input i : ALL) {
      // Nullable: Delta enforces a non-null nested field even when the whole struct is null.
      s = s.add(i.name(), DataTypes.DoubleType, true);
    }
    return s;
  }

  /**
   * The least a fitted coefficient may be, where domain knowledge sets one: a far-away shift worked
   * from outside the claimed country, and logins hidden behind VPNs whose few others come from
   * abroad, are each deception by the account itself, and must carry an account to the high tier
   * with little else (issue 15: own evidence counts outside any cluster), whatever mix of operators
   * the training worlds happened to draw. An honest night-shift freelancer or VPN user has neither
   * input above 0: they work from, or fall back to, the country they claim. An account handed to a
   * new holder who then hides behind VPNs has been sold or rented: an honest user who replaces a
   * device keeps the home network, and one who moves keeps the device.
   */
  public static final java.util.Map<String, Double> FLOORS =
      java.util.Map.of(
          OWN_FAR_SHIFT_ABROAD, 2.0, OWN_HIDDEN_ABROAD, 2.0, OWN_HANDED_OVER_HIDDEN, 2.0);

  public static double floor(Input i) {
    return FLOORS.getOrDefault(
        i.name(),
        i.sign() == Sign.RAISES || i.sign() == Sign.NOT_SCORED ? 0.0 : Double.NEGATIVE_INFINITY);
  }

  /** The most a fitted coefficient may be. */
  public static double ceiling(Input i) {
    return i.sign() == Sign.LOWERS || i.sign() == Sign.NOT_SCORED ? 0.0 : Double.POSITIVE_INFINITY;
  }

  public static boolean isOwn(Input i) {
    return i.name().startsWith("own_");
  }
}
