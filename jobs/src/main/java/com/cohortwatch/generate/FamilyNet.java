package com.cohortwatch.generate;

import com.cohortwatch.schema.UsageType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The family world's internet: per country residential, business, education and mobile blocks;
 * hosting sites and a VPN market sized for the population (a few big providers, heavy-tailed
 * popularity of providers and of exits); and ip_intel rows of which a drawn share of the VPN and
 * hosting ranges is mislabelled residential or missing, as commercial intel is.
 */
final class FamilyNet {
  record Country(String code, String[] zones, int octet) {}

  static final Country[] COUNTRIES;

  /** Freelance markets whose honest workers often keep US clients' hours. */
  static final String[] NIGHT_SHIFT_COUNTRIES = {"IN", "PH", "PK", "VN", "UA", "NG"};

  /** Countries where ordinary people use commercial VPNs for everyday access. */
  static final String[] VPN_COUNTRIES = {"RU", "CN", "PK", "VN", "TR", "AE", "EG", "IN"};

  /** What rings claim when they do not claim the US. */
  static final String[] RING_CLAIMS = {"US", "US", "CA", "GB", "DE", "PL", "JP", "AU", "NL"};

  /** Where operators really sit: country of the address that leaks, and their home zone. */
  static final String[][] RING_HOMES = {
    {"CN", "Asia/Shanghai"},
    {"CN", "Asia/Pyongyang"},
    {"RU", "Asia/Vladivostok"},
    {"AE", "Asia/Dubai"}
  };

  private static final String[] VPN_EXIT_COUNTRIES = {
    "US", "US", "US", "NL", "DE", "GB", "SG", "JP", "CA", "FR"
  };

  static {
    String[][] spec = {
      {"US", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"},
      {"CA", "America/Toronto", "America/Vancouver"},
      {"GB", "Europe/London"},
      {"DE", "Europe/Berlin"},
      {"PL", "Europe/Warsaw"},
      {"FR", "Europe/Paris"},
      {"ES", "Europe/Madrid"},
      {"NL", "Europe/Amsterdam"},
      {"JP", "Asia/Tokyo"},
      {"KR", "Asia/Seoul"},
      {"AU", "Australia/Sydney"},
      {"BR", "America/Sao_Paulo"},
      {"MX", "America/Mexico_City"},
      {"IN", "Asia/Kolkata"},
      {"PH", "Asia/Manila"},
      {"PK", "Asia/Karachi"},
      {"VN", "Asia/Ho_Chi_Minh"},
      {"UA", "Europe/Kyiv"},
      {"NG", "Africa/Lagos"},
      {"BD", "Asia/Dhaka"},
      {"EG", "Africa/Cairo"},
      {"KE", "Africa/Nairobi"},
      {"CN", "Asia/Shanghai"},
      {"RU", "Europe/Moscow", "Asia/Vladivostok"},
      {"TR", "Europe/Istanbul"},
      {"AE", "Asia/Dubai"},
      {"SG", "Asia/Singapore"}
    };
    COUNTRIES = new Country[spec.length];
    for (int i = 0; i < spec.length; i++) {
      COUNTRIES[i] =
          new Country(spec[i][0], Arrays.copyOfRange(spec[i], 1, spec[i].length), 30 + i);
    }
  }

  static Country country(String code) {
    for (Country c : COUNTRIES) {
      if (c.code().equals(code)) {
        return c;
      }
    }
    throw new IllegalArgumentException(code);
  }

  /** Where benign accounts live: a third in the US, the rest spread over the markets. */
  static Country anyCountry(SplittableRandom r) {
    return r.nextInt(3) == 0 ? COUNTRIES[0] : COUNTRIES[r.nextInt(COUNTRIES.length)];
  }

  static Country oneOf(String[] codes, SplittableRandom r) {
    return country(codes[r.nextInt(codes.length)]);
  }

  /**
   * A home line in country c for someone in the given zone (null: anywhere in the country), drawn
   * from the world's residential /24s: a pool scaled to the platform, so unrelated homes share
   * addresses and subnets by chance as they do at scale. A /24 serves one region, as an ISP's
   * dynamic pools do, so chance sharers mostly live in one zone; one in ten is a national pool.
   */
  String residential(Country c, String zone, SplittableRandom r) {
    int regions = c.zones().length + 1;
    int perRegion = Math.max(1, draw.residentialSubnets() / regions);
    int region = Arrays.asList(c.zones()).indexOf(zone);
    if (region < 0 || r.nextInt(10) == 0) {
      region = zone == null ? r.nextInt(regions) : regions - 1;
    }
    return homeSubnet(c, region + regions * r.nextInt(perRegion)) + "." + (1 + r.nextInt(254));
  }

  private static String homeSubnet(Country c, int s) {
    return c.octet() + "." + (s % 128) + "." + (s / 128);
  }

  static String business(Country c, SplittableRandom r) {
    return World.host(c.octet(), 128 + r.nextInt(64), r);
  }

  static String education(Country c, SplittableRandom r) {
    return World.host(c.octet(), 192 + r.nextInt(32), r);
  }

  /** A carrier's NAT pool: 512 addresses per country, shared by every mobile user and hotspot. */
  static String mobile(Country c, SplittableRandom r) {
    return c.octet() + "." + (224 + r.nextInt(2)) + "." + r.nextInt(2) + "." + (1 + r.nextInt(254));
  }

  final WorldDraw draw;

  /** Per provider its exits (addresses) and their cumulative popularity. */
  final String[][] exits;

  final double[][] exitCumulative;

  /** Residential proxy providers: how many /24s each sells from in a country, and their seed. */
  private final int[] proxySubnets;

  private final long proxySeed;

  final double[] providerCumulative;
  private final List<String[]> vpnRows = new ArrayList<>();

  FamilyNet(WorldDraw draw, SplittableRandom r) {
    this.draw = draw;
    int providers = draw.vpnProviders();
    double[] popularity = new double[providers];
    double total = 0;
    for (int p = 0; p < providers; p++) {
      popularity[p] = Math.pow(p + 1, -draw.providerZipf());
      total += popularity[p];
    }
    providerCumulative = cumulative(popularity);
    proxySeed = r.nextLong();
    proxySubnets = new int[3 + r.nextInt(6)];
    for (int p = 0; p < proxySubnets.length; p++) {
      proxySubnets[p] = 5 + r.nextInt(60);
    }
    exits = new String[providers][];
    exitCumulative = new double[providers][];
    int block = 0;
    for (int p = 0; p < providers; p++) {
      // Big providers run more servers, though less than in proportion to their users.
      int n = Math.max(4, (int) Math.round(draw.vpnExits() * Math.pow(popularity[p] / total, 0.8)));
      exits[p] = new String[n];
      double[] w = new double[n];
      int perBlock = 4 + r.nextInt(13);
      for (int e = 0; e < n; e++) {
        if (e % perBlock == 0) {
          String country = VPN_EXIT_COUNTRIES[r.nextInt(VPN_EXIT_COUNTRIES.length)];
          vpnRows.add(
              new String[] {
                vpnPrefix(block) + ".0/24", String.valueOf(65100 + p), "VPN Provider " + p, country
              });
          block++;
        }
        exits[p][e] = vpnPrefix(block - 1) + "." + (1 + e % perBlock);
        w[e] = Math.pow(e + 1, -draw.exitZipf());
      }
      // Popular exits are spread over the provider's blocks, not packed in the first.
      shuffle(w, r);
      exitCumulative[p] = cumulative(w);
    }
  }

  private static String vpnPrefix(int block) {
    return (90 + block / 65_536) + "." + ((block / 256) % 256) + "." + (block % 256);
  }

  /** A residential proxy provider; the first few carry most of the market. */
  int proxyProvider(SplittableRandom r) {
    return (int) (proxySubnets.length * Math.pow(r.nextDouble(), 2));
  }

  /** How many /24s provider p sells from in each country. */
  int proxySubnets(int p) {
    return proxySubnets[p];
  }

  /**
   * A residential proxy address of provider p in country c, in the provider's k-th /24 there: other
   * people's home lines, which ip_intel labels residential, but sold from a limited set of /24s, so
   * every ring using the provider draws from the same subnets.
   */
  String proxyAddress(int p, Country c, int k, SplittableRandom r) {
    SplittableRandom subnet =
        new SplittableRandom(proxySeed ^ (p * 1_000_003L + c.octet() * 7_919L + k * 104_729L));
    return homeSubnet(c, subnet.nextInt(draw.residentialSubnets())) + "." + (1 + r.nextInt(254));
  }

  int provider(SplittableRandom r) {
    return pick(providerCumulative, r);
  }

  /** An exit of provider p, chosen the way users choose: the popular ones most. */
  String exit(int p, SplittableRandom r) {
    return exits[p][pick(exitCumulative[p], r)];
  }

  /** A rented server in one of the hosting sites. */
  String hosting(SplittableRandom r) {
    int s = r.nextInt(draw.hostingSites());
    return hostingPrefix(s) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
  }

  private static String hostingPrefix(int site) {
    return (60 + site / 256) + "." + (site % 256);
  }

  static String tor(SplittableRandom r) {
    return "83.0." + r.nextInt(4) + "." + (1 + r.nextInt(254));
  }

  static final long INTEL_SALT = 77;

  /**
   * A random stream for one purpose of one world, independent of every other seed's. Seeding with
   * seed x SplittableRandom's own gamma, as this generator once did, made seed s + 1 replay seed s
   * one draw later: neighbouring worlds drew nearly the same IP-intelligence noise (twelve training
   * seeds in a row mislabelled no VPN range, a later run of test seeds many).
   */
  static SplittableRandom stream(long seed, long salt) {
    return new SplittableRandom(
        new SplittableRandom(seed ^ (salt * 0xD1B54A32D192ED03L)).nextLong());
  }

  /** ip_intel rows: network, asn, as_org, country, usage_type; noisy for VPN and hosting. */
  List<String[]> intel(long seed) {
    SplittableRandom r = stream(seed, INTEL_SALT);
    List<String[]> rows = new ArrayList<>();
    for (Country c : COUNTRIES) {
      int o = c.octet();
      int i = o - 30;
      rows.add(
          row(
              o + ".0.0.0/9",
              64600 + i,
              c.code() + " Broadband",
              c.code(),
              UsageType.RESIDENTIAL.value()));
      rows.add(
          row(
              o + ".128.0.0/10",
              64700 + i,
              c.code() + " Business Net",
              c.code(),
              UsageType.BUSINESS.value()));
      rows.add(
          row(
              o + ".192.0.0/11",
              64800 + i,
              c.code() + " Research & Education",
              c.code(),
              UsageType.EDUCATION.value()));
      rows.add(
          row(
              o + ".224.0.0/11",
              64900 + i,
              c.code() + " Mobile",
              c.code(),
              UsageType.MOBILE.value()));
    }
    String[] dcCountries = {"US", "NL", "DE", "SG", "GB", "FR"};
    for (int s = 0; s < draw.hostingSites(); s++) {
      noisy(
          rows,
          r,
          new String[] {
            hostingPrefix(s) + ".0.0/16",
            String.valueOf(65000 + s % 100),
            "Cloud DC " + s,
            dcCountries[s % dcCountries.length],
            UsageType.HOSTING.value()
          });
    }
    for (String[] v : vpnRows) {
      noisy(rows, r, new String[] {v[0], v[1], v[2], v[3], UsageType.VPN.value()});
    }
    rows.add(row("83.0.0.0/16", 65200, "Tor exits", "DE", UsageType.TOR.value()));
    return rows;
  }

  /**
   * Mislabels a drawn share of anonymising ranges: half as residential, half left out (unknown).
   */
  private void noisy(List<String[]> rows, SplittableRandom r, String[] row) {
    if (r.nextDouble() < draw.noisyIntelShare()) {
      if (r.nextBoolean()) {
        row[4] = UsageType.RESIDENTIAL.value();
        rows.add(row);
      }
      return;
    }
    rows.add(row);
  }

  private static String[] row(String net, int asn, String org, String country, String usage) {
    return new String[] {net, String.valueOf(asn), org, country, usage};
  }

  static double[] cumulative(double[] w) {
    double[] c = new double[w.length];
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      s += w[i];
      c[i] = s;
    }
    for (int i = 0; i < c.length; i++) {
      c[i] /= s;
    }
    return c;
  }

  static int pick(double[] cumulative, SplittableRandom r) {
    int i = Arrays.binarySearch(cumulative, r.nextDouble());
    int k = i >= 0 ? i + 1 : -i - 1;
    return Math.min(k, cumulative.length - 1);
  }

  private static void shuffle(double[] a, SplittableRandom r) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      double t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
