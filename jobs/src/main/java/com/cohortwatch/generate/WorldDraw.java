package com.cohortwatch.generate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The proportions and behaviours of one family world, each drawn from a range for the seed, so that
 * no detector can be tuned to a single setting. The ranges are the documented family (see
 * docs/EVALUATION.md); the values drawn for a seed are written to truth/world.json.
 */
record WorldDraw(
    double operatorShare,
    double ringSizeAlpha,
    int ringSizeMax,
    Map<String, Double> styleMix,
    double coherentShare,
    double claimedShiftShare,
    double staggerShare,
    double boughtShareMax,
    double shareExitsProb,
    double shareFacilitatorProb,
    double hotspotShare,
    double facilitatorPayoutShare,
    double collectorPayoutShare,
    double extraPayoutsMean,
    double cryptoShare,
    double leakRate,
    int creationSpreadMax,
    int vpnProviders,
    int vpnExits,
    double providerZipf,
    double exitZipf,
    int hostingSites,
    double noisyIntelShare,
    Map<String, Double> benignShares,
    int campusSize,
    int agencySize,
    double nightShiftVpnShare,
    double nightShiftAgencyShare,
    int residentialSubnets,
    double homeReassignShare) {

  /** Ring styles of the family: their truth kind. */
  static final String[] STYLES = {"blatant", "careful", "farm", "proxy", "rented"};

  /** Benign kinds other than ordinary, each a share of all accounts. */
  static final String[] BENIGN = {
    "night_shift", "vpn_user", "campus", "agency", "household", "traveller", "cgnat", "office"
  };

  static WorldDraw draw(GeneratorConfig c) {
    // A stream of its own, so the world's parameters do not move when the population code changes.
    SplittableRandom r = new SplittableRandom(c.seed() * 0x2545F4914F6CDD1DL + 0x5DEECE66DL);
    int n = c.accounts();
    double operatorShare =
        c.operatorShareGiven()
            ? c.operatorShare()
            : between(r, c.operatorShareLo(), c.operatorShareHi());
    Map<String, Double> styles = new LinkedHashMap<>();
    styles.put("blatant", between(r, 0.1, 0.6));
    styles.put("careful", between(r, 0.5, 1.5));
    styles.put("farm", between(r, 0.5, 1.5));
    styles.put("proxy", between(r, 0.3, 1.2));
    styles.put("rented", between(r, 0.1, 0.6));
    Map<String, Double> benign = new LinkedHashMap<>();
    benign.put("night_shift", between(r, 0.005, 0.04));
    benign.put("vpn_user", between(r, 0.005, 0.04));
    benign.put("campus", between(r, 0.0, 0.15));
    benign.put("agency", between(r, 0.005, 0.03));
    benign.put("household", between(r, 0.01, 0.05));
    benign.put("traveller", between(r, 0.005, 0.03));
    benign.put("cgnat", between(r, 0.03, 0.10));
    benign.put("office", between(r, 0.01, 0.05));
    // The VPN market grows with the platform: a few hundred exits at 20k accounts, thousands at 1M.
    int exits = (int) Math.max(40, Math.min(40_000, Math.round(n * between(r, 0.005, 0.02))));
    int providers = (int) Math.round(between(r, 3, 6) + Math.log10(Math.max(10, n)));
    double nightShiftVpn = between(r, 0.0, 0.1);
    double nightShiftAgency = between(r, 0.2, 0.6);
    // Home address space per country, in /24s, scaled to the platform: 3 to 30 residential
    // addresses per account, so a 3,000-account world sees the chance sharing (one address or /24
    // reused by unrelated homes: dynamic reassignment, broadband behind carrier NAT) that a
    // 1M-account platform shows. These draws come before the ones in the constructor call below,
    // so every seed's later parameters moved when they were added (e67ce48).
    double addressesPerAccount = Math.exp(between(r, Math.log(3), Math.log(30)));
    int subnets = (int) Math.max(8, Math.min(32_768, Math.round(n * addressesPerAccount / 254)));
    return new WorldDraw(
        operatorShare,
        between(r, 1.5, 2.2),
        40 + r.nextInt(21),
        styles,
        between(r, 0.3, 0.8),
        between(r, 0.2, 0.8),
        between(r, 0.2, 0.8),
        between(r, 0.0, 0.4),
        between(r, 0.1, 0.5),
        between(r, 0.1, 0.5),
        between(r, 0.1, 0.5),
        between(r, 0.1, 0.6),
        between(r, 0.0, 0.5),
        between(r, 0.3, 2.5),
        between(r, 0.1, 0.5),
        between(r, 0.0, 0.05),
        30 + r.nextInt(121),
        providers,
        exits,
        between(r, 1.0, 1.6),
        between(r, 0.6, 1.2),
        (int) Math.max(16, Math.min(4096, n / 400)),
        between(r, 0.05, 0.10),
        benign,
        1000 + r.nextInt(2001),
        20 + r.nextInt(61),
        nightShiftVpn,
        nightShiftAgency,
        subnets,
        between(r, 0.05, 0.4));
  }

  static double between(SplittableRandom r, double lo, double hi) {
    return lo + (hi - lo) * r.nextDouble();
  }

  /** The drawn values, for truth/world.json. */
  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("operator_share", operatorShare);
    m.put("ring_size", "2.." + ringSizeMax + ", P(s) ~ s^-" + round(ringSizeAlpha));
    m.put("ring_style_weights", roundAll(styleMix));
    m.put("coherent_ring_share", round(coherentShare));
    m.put("claimed_shift_share", round(claimedShiftShare));
    m.put("staggered_ring_share", round(staggerShare));
    m.put("bought_member_share_max", round(boughtShareMax));
    m.put("ring_shares_exits_prob", round(shareExitsProb));
    m.put("ring_shares_facilitator_prob", round(shareFacilitatorProb));
    m.put("facilitator_hotspot_share", round(hotspotShare));
    m.put("facilitator_payout_share", round(facilitatorPayoutShare));
    m.put("collector_payout_share", round(collectorPayoutShare));
    m.put("extra_payouts_mean", round(extraPayoutsMean));
    m.put("crypto_share", round(cryptoShare));
    m.put("leak_rate", round(leakRate));
    m.put("creation_spread_max_days", creationSpreadMax);
    m.put("vpn_providers", vpnProviders);
    m.put("vpn_exits", vpnExits);
    m.put("vpn_provider_zipf", round(providerZipf));
    m.put("vpn_exit_zipf", round(exitZipf));
    m.put("hosting_sites", hostingSites);
    m.put("noisy_intel_share", round(noisyIntelShare));
    m.put("benign_shares", roundAll(benignShares));
    m.put("campus_size", campusSize);
    m.put("agency_size", agencySize);
    m.put("night_shift_vpn_share", round(nightShiftVpnShare));
    m.put("night_shift_agency_share", round(nightShiftAgencyShare));
    m.put("residential_subnets_per_country", residentialSubnets);
    m.put("home_reassigned_share", round(homeReassignShare));
    return m;
  }

  private static double round(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }

  private static Map<String, Double> roundAll(Map<String, Double> m) {
    Map<String, Double> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, round(v)));
    return out;
  }
}
