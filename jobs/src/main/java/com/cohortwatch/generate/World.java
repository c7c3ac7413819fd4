package com.cohortwatch.generate;

import com.cohortwatch.schema.UsageType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The synthetic internet: per country a residential, business, education and mobile block, plus
 * hosting data centres, commercial VPN providers and Tor exits, each with its ip_intel row.
 */
final class World {
  /** A country with its IANA zones (the first is the main one) and its address blocks. */
  record Country(String code, String[] zones, int index) {
    int firstOctet() {
      return 30 + index;
    }
  }

  static final Country[] COUNTRIES;
  static final String[] RING_CLAIMS = {"US", "CA", "JP", "PL", "GB", "DE"};

  /** Home bases of operator teams: country of their real address and their home zone. */
  static final String[][] RING_HOMES = {
    {"CN", "Asia/Shanghai"}, {"CN", "Asia/Pyongyang"}, {"RU", "Asia/Vladivostok"}
  };

  static {
    String[][] spec = {
      {"US", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"},
      {"CA", "America/Toronto", "America/Vancouver"},
      {"GB", "Europe/London"},
      {"DE", "Europe/Berlin"},
      {"PL", "Europe/Warsaw"},
      {"JP", "Asia/Tokyo"},
      {"IN", "Asia/Kolkata"},
      {"BR", "America/Sao_Paulo"},
      {"UA", "Europe/Kyiv"},
      {"PH", "Asia/Manila"},
      {"NG", "Africa/Lagos"},
      {"PK", "Asia/Karachi"},
      {"FR", "Europe/Paris"},
      {"ES", "Europe/Madrid"},
      {"MX", "America/Mexico_City"},
      {"KR", "Asia/Seoul"},
      {"CN", "Asia/Shanghai"},
      {"RU", "Europe/Moscow", "Asia/Vladivostok"}
    };
    COUNTRIES = new Country[spec.length];
    for (int i = 0; i < spec.length; i++) {
      String[] zones = new String[spec[i].length - 1];
      System.arraycopy(spec[i], 1, zones, 0, zones.length);
      COUNTRIES[i] = new Country(spec[i][0], zones, i);
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

  /** Benign accounts claim these countries (the ring home countries have ordinary users too). */
  static Country randomCountry(SplittableRandom r) {
    // Skewed toward large freelance markets.
    int i = r.nextInt(10) < 3 ? 0 : r.nextInt(COUNTRIES.length);
    return COUNTRIES[i];
  }

  static String residential(Country c, SplittableRandom r) {
    return host(c.firstOctet(), r.nextInt(128), r);
  }

  static String business(Country c, SplittableRandom r) {
    return host(c.firstOctet(), 128 + r.nextInt(64), r);
  }

  static String education(Country c, SplittableRandom r) {
    return host(c.firstOctet(), 192 + r.nextInt(32), r);
  }

  /**
   * A host in {@code first.second.0.0/16}, drawn after {@code second} (so the draw order holds).
   */
  static String host(int first, int second, SplittableRandom r) {
    return first + "." + second + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
  }

  /** Carrier-grade NAT: a pool of 24 addresses per country shared by every mobile user. */
  static String cgnat(Country c, SplittableRandom r) {
    return c.firstOctet() + ".224.0." + (1 + r.nextInt(24));
  }

  static String mobileV6(Country c, long account, SplittableRandom r) {
    return String.format(
        "2001:db8:%x:%x::%x", c.index() + 1, (account & 0xffff), 1 + r.nextInt(0xfff));
  }

  static final int HOSTING_SITES = 16;
  static final String[] HOSTING_COUNTRIES = {"US", "NL", "DE", "SG"};
  static final int VPN_PROVIDERS = 4;
  static final int VPN_EXITS_PER_PROVIDER = 12;

  /** A rented server: one of 16 data-centre /16s. */
  static String hosting(SplittableRandom r) {
    return "81." + r.nextInt(HOSTING_SITES) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
  }

  /** Exit j of VPN provider p: few addresses, each shared by many users. */
  static String vpnExit(int provider, int exit) {
    return "82." + (provider * 16 + exit % 16) + ".0." + (1 + exit / 16);
  }

  static String vpnExitCountry(int provider, int exit) {
    String[] countries = {"US", "NL", "DE", "GB", "JP", "SG", "CA", "FR"};
    return countries[(provider * 3 + exit) % countries.length];
  }

  /** ip_intel rows: network, asn, as_org, country, usage_type. */
  static List<String[]> intel() {
    List<String[]> rows = new ArrayList<>();
    for (Country c : COUNTRIES) {
      int o = c.firstOctet();
      rows.add(
          new String[] {
            o + ".0.0.0/9",
            String.valueOf(64600 + c.index()),
            c.code() + " Broadband",
            c.code(),
            UsageType.RESIDENTIAL.value()
          });
      rows.add(
          new String[] {
            o + ".128.0.0/10",
            String.valueOf(64700 + c.index()),
            c.code() + " Business Net",
            c.code(),
            UsageType.BUSINESS.value()
          });
      rows.add(
          new String[] {
            o + ".192.0.0/11",
            String.valueOf(64800 + c.index()),
            c.code() + " Research & Education",
            c.code(),
            UsageType.EDUCATION.value()
          });
      rows.add(
          new String[] {
            o + ".224.0.0/11",
            String.valueOf(64900 + c.index()),
            c.code() + " Mobile",
            c.code(),
            UsageType.MOBILE.value()
          });
      rows.add(
          new String[] {
            String.format("2001:db8:%x::/48", c.index() + 1),
            String.valueOf(64900 + c.index()),
            c.code() + " Mobile",
            c.code(),
            UsageType.MOBILE.value()
          });
    }
    for (int s = 0; s < HOSTING_SITES; s++) {
      rows.add(
          new String[] {
            "81." + s + ".0.0/16",
            String.valueOf(65000 + s),
            "Cloud DC " + s,
            HOSTING_COUNTRIES[s % HOSTING_COUNTRIES.length],
            UsageType.HOSTING.value()
          });
    }
    for (int p = 0; p < VPN_PROVIDERS; p++) {
      for (int b = 0; b < 16; b++) {
        rows.add(
            new String[] {
              "82." + (p * 16 + b) + ".0.0/24",
              String.valueOf(65100 + p),
              "VPN Provider " + p,
              vpnExitCountry(p, b),
              UsageType.VPN.value()
            });
      }
    }
    rows.add(new String[] {"83.0.0.0/16", "65200", "Tor exits", "DE", UsageType.TOR.value()});
    return rows;
  }
}
