package com.cohortwatch.generate;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** The accounts of the synthetic platform, their groups and how each one logs in. */
final class Population implements Platform {
  final List<Account> accounts = new ArrayList<>();
  private final GeneratorConfig config;
  private final LocalDate firstDay;

  private Population(GeneratorConfig config) {
    this.config = config;
    this.firstDay = config.endDate().minusDays(config.days() - 1L);
  }

  @Override
  public List<Account> accounts() {
    return accounts;
  }

  @Override
  public List<String[]> intel() {
    return World.intel();
  }

  /** Shared infrastructure of a group (ring, campus, office, household, agency). */
  static final class Group {
    String id;
    String kind;
    String[] ips = new String[0];
    String[] devices = new String[0];
    String[] payout;
    String homeIp;
    int vpnProvider;
    ZoneId homeZone;
    int[] popularHours;
    boolean sharedDevice;
    long seed;
  }

  static final class Account {
    int index;
    String id;
    String kind;
    String group;
    Group g;
    String shift;
    String country;
    String zone;
    Instant createdAt;
    String emailDomain;
    String profileType = "individual";
    List<String[]> payouts = new ArrayList<>();
    String[] homeIps;
    String[] devices;
    int[] vpnExits;
    String[] abroadIps;
    String abroadZone;
    double activeProb;
    int minLogins;
    int maxLogins;
    int startHour;
    int endHour;
    ZoneId hourZone;
    boolean weekdaysOnly;
    // Family world only: members in the account's group, whether it changed hands mid-window, the
    // facilitator hosting its laptop, and how it behaves.
    int groupSize;
    String changedHands;
    String facilitator;
    FamilyWorld.Plan plan;
    boolean operator;

    boolean operator() {
      return operator || kind.equals("blatant") || kind.equals("careful") || kind.equals("farm");
    }
  }

  record Login(String eventId, Instant time, String ip, String device, String userAgent) {}

  static final String[] DOMAINS = {
    "gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com"
  };
  static final String[] AGENTS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36"
  };

  static Population build(GeneratorConfig c) {
    Population p = new Population(c);
    SplittableRandom r = new SplittableRandom(c.seed());
    int n = c.accounts();
    int operators = (int) Math.round(n * c.operatorShare());
    List<Account> pending = new ArrayList<>();
    int ringNo = 0;
    while (operators >= Math.min(c.ringSizeMin(), 2) && operators > 0) {
      String style = pick(c.ringMix(), r);
      int size = c.ringSizeMin() + r.nextInt(c.ringSizeMax() - c.ringSizeMin() + 1);
      if (style.equals("farm")) {
        size = Math.max(size, 8);
      }
      size = Math.min(size, operators);
      if (size < 2) {
        break;
      }
      pending.addAll(p.ring("ring-" + (ringNo++), style, size, r));
      operators -= size;
    }
    if (c.hubAccounts() > 0) {
      // One carrier gateway in front of many subscribers: the worst case for pair generation.
      pending.addAll(
          p.benignGroup("hub-0", "hub", Math.min(c.hubAccounts(), n - pending.size()), r));
    }
    int benign = n - pending.size();
    int grouped = (int) Math.round(benign * c.benignGroupShare());
    int groupNo = 0;
    while (grouped > 1) {
      String kind = pick(c.benignMix(), r);
      int size =
          switch (kind) {
            case "campus" -> Math.max(5, (int) (c.campusSize() * (0.7 + 0.6 * r.nextDouble())));
            case "office" -> 10 + r.nextInt(51);
            case "household" -> 2 + r.nextInt(4);
            case "agency" -> 5 + r.nextInt(16);
            case "cgnat", "vpn", "traveller" -> 10 + r.nextInt(41);
            default -> 1;
          };
      size = Math.min(size, grouped);
      pending.addAll(p.benignGroup(kind + "-" + (groupNo++), kind, size, r));
      grouped -= size;
    }
    while (pending.size() < n) {
      pending.add(p.ordinary(r, "ordinary", null));
    }
    assignShuffledIds(pending, r);
    p.accounts.addAll(pending);
    for (Account a : p.accounts) {
      if (a.payouts.isEmpty()) {
        a.payouts.add(new String[] {token("pm", r), r.nextInt(3) == 0 ? "paypal" : "bank"});
      }
    }
    return p;
  }

  /**
   * Hands out ids in a shuffled order, so nothing about a group shows in its ids, and sorts the
   * accounts by id.
   */
  static void assignShuffledIds(List<Account> pending, SplittableRandom r) {
    int[] order = new int[pending.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    for (int i = order.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int i = 0; i < pending.size(); i++) {
      Account a = pending.get(i);
      a.index = order[i];
      a.id = String.format("a%07d", order[i]);
    }
    pending.sort((x, y) -> Integer.compare(x.index, y.index));
  }

  static String pick(Map<String, Double> mix, SplittableRandom r) {
    double total = mix.values().stream().mapToDouble(Double::doubleValue).sum();
    double x = r.nextDouble() * total;
    for (Map.Entry<String, Double> e : mix.entrySet()) {
      x -= e.getValue();
      if (x < 0) {
        return e.getKey();
      }
    }
    return mix.keySet().iterator().next();
  }

  static String token(String prefix, SplittableRandom r) {
    return prefix + "_" + Long.toHexString(r.nextLong() & 0xffffffffffffL);
  }

  private Instant createdUniform(SplittableRandom r, int daysBack) {
    return firstDay
        .minusDays(1 + r.nextInt(daysBack))
        .atStartOfDay()
        .toInstant(ZoneOffset.UTC)
        .plusSeconds(r.nextInt(86_400));
  }

  private Account base(SplittableRandom r, String kind, String group, World.Country country) {
    Account a = new Account();
    a.kind = kind;
    a.group = group;
    a.country = country.code();
    a.zone = country.zones()[r.nextInt(country.zones().length)];
    a.hourZone = ZoneId.of(a.zone);
    a.createdAt = createdUniform(r, 3 * 365);
    a.emailDomain = DOMAINS[r.nextInt(DOMAINS.length)];
    a.homeIps = new String[] {World.residential(country, r)};
    if (r.nextInt(4) == 0) {
      a.homeIps = new String[] {a.homeIps[0], World.residential(country, r)};
    }
    a.devices = new String[1 + r.nextInt(3)];
    for (int i = 0; i < a.devices.length; i++) {
      a.devices[i] = token("dev", r);
    }
    a.activeProb = 0.3 + 0.4 * r.nextDouble();
    a.minLogins = 1;
    a.maxLogins = 2 + r.nextInt(4);
    boolean nightOwl = r.nextInt(10) == 0;
    a.startHour = nightOwl ? 12 : 7 + r.nextInt(3);
    a.endHour = nightOwl ? 27 : 21 + r.nextInt(3);
    return a;
  }

  Account ordinary(SplittableRandom r, String kind, String group) {
    return base(r, kind, group, World.randomCountry(r));
  }

  private List<Account> benignGroup(String id, String kind, int size, SplittableRandom r) {
    World.Country country = World.randomCountry(r);
    Group g = new Group();
    g.id = id;
    g.kind = kind;
    g.seed = r.nextLong();
    List<Account> members = new ArrayList<>();
    switch (kind) {
      case "campus" -> {
        g.ips = new String[] {World.education(country, r), World.education(country, r)};
        g.popularHours = new int[] {9, 10, 11, 13, 14, 15, 16, 19, 20};
      }
      case "office" -> g.ips = new String[] {World.business(country, r)};
      case "household" -> {
        g.ips = new String[] {World.residential(country, r)};
        g.sharedDevice = r.nextInt(10) < 3;
        g.devices = new String[] {token("dev", r)};
        if (r.nextInt(10) < 2) {
          g.payout = new String[] {token("pm", r), "bank"};
        }
      }
      case "agency" -> {
        g.ips = new String[] {World.business(country, r)};
        g.payout = new String[] {token("pm", r), r.nextBoolean() ? "payoneer" : "bank"};
      }
      case "vpn" -> g.vpnProvider = r.nextInt(World.VPN_PROVIDERS);
      case "hub" -> g.ips = new String[] {World.cgnat(country, r)};
      default -> {}
    }
    String zone = country.zones()[r.nextInt(country.zones().length)];
    for (int i = 0; i < size; i++) {
      World.Country c =
          kind.equals("cgnat") || kind.equals("vpn") || kind.equals("traveller")
              ? World.randomCountry(r)
              : country;
      Account a =
          base(
              r,
              kind.equals("vpn") ? "vpn_user" : kind,
              kind.equals("cgnat") || kind.equals("vpn") || kind.equals("traveller") ? null : id,
              c);
      a.g = g;
      if (a.group != null) {
        a.zone = zone;
        a.hourZone = ZoneId.of(zone);
      }
      switch (kind) {
        case "campus" -> {
          a.activeProb = 0.5 + 0.3 * r.nextDouble();
          if (r.nextInt(10) < 3) {
            a.createdAt =
                LocalDate.of(firstDay.getYear() - r.nextInt(3), 9, 1 + r.nextInt(20))
                    .atStartOfDay()
                    .toInstant(ZoneOffset.UTC);
          }
        }
        case "office" -> {
          a.activeProb = 0.75;
          a.weekdaysOnly = true;
          a.startHour = 9;
          a.endHour = 18;
          a.minLogins = 2;
          a.maxLogins = 5;
        }
        case "household" -> {
          if (g.sharedDevice) {
            a.devices = g.devices;
          }
          if (g.payout != null) {
            a.payouts.add(g.payout);
          }
        }
        case "agency" -> {
          a.payouts.add(g.payout);
          a.profileType = r.nextInt(10) < 8 ? "agency_member" : "individual";
          a.activeProb = 0.6;
        }
        case "vpn" -> {
          a.vpnExits =
              new int[] {
                r.nextInt(World.VPN_EXITS_PER_PROVIDER), r.nextInt(World.VPN_EXITS_PER_PROVIDER)
              };
        }
        case "traveller" -> {
          World.Country abroad = World.randomCountry(r);
          a.abroadZone = abroad.zones()[0];
          a.abroadIps =
              new String[] {
                World.business(abroad, r), World.residential(abroad, r), World.hosting(r)
              };
        }
        default -> {}
      }
      members.add(a);
    }
    return members;
  }

  private List<Account> ring(String id, String style, int size, SplittableRandom r) {
    Group g = new Group();
    g.id = id;
    g.kind = style;
    g.seed = r.nextLong();
    String[] home = World.RING_HOMES[r.nextInt(World.RING_HOMES.length)];
    g.homeZone = ZoneId.of(home[1]);
    g.homeIp = World.residential(World.country(home[0]), r);
    String shift = r.nextDouble() < config.homeShiftShare() ? "home" : "claimed";
    switch (style) {
      case "blatant" -> {
        g.ips = new String[2 + r.nextInt(3)];
        for (int i = 0; i < g.ips.length; i++) {
          g.ips[i] = World.hosting(r);
        }
        g.devices = new String[2 + r.nextInt(3)];
        for (int i = 0; i < g.devices.length; i++) {
          g.devices[i] = token("dev", r);
        }
        g.payout = new String[] {token("pm", r), r.nextBoolean() ? "crypto" : "payoneer"};
      }
      case "careful" -> g.vpnProvider = r.nextInt(World.VPN_PROVIDERS);
      case "farm" -> {
        World.Country us = World.country("US");
        g.ips = new String[1 + r.nextInt(2)];
        for (int i = 0; i < g.ips.length; i++) {
          g.ips[i] = World.residential(us, r);
        }
        if (r.nextInt(10) < 3) {
          g.payout = new String[] {token("pm", r), "bank"};
        }
      }
      default -> throw new IllegalStateException(style);
    }
    Instant burst =
        firstDay.minusDays(30 + r.nextInt(300)).atStartOfDay().toInstant(ZoneOffset.UTC);
    int window = 7 + r.nextInt(15);
    List<Account> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      World.Country claim =
          World.country(
              style.equals("farm") ? "US" : World.RING_CLAIMS[r.nextInt(World.RING_CLAIMS.length)]);
      Account a = base(r, style, id, claim);
      a.g = g;
      a.shift = shift;
      a.createdAt = burst.plusSeconds((long) r.nextInt(window * 86_400));
      a.activeProb = 0.8;
      a.weekdaysOnly = r.nextInt(10) < 7;
      a.minLogins = 3;
      a.maxLogins = 8;
      a.startHour = 9;
      a.endHour = 18;
      a.hourZone = shift.equals("home") ? g.homeZone : ZoneId.of(a.zone);
      switch (style) {
        case "blatant" -> {
          a.devices = new String[] {g.devices[r.nextInt(g.devices.length)]};
          a.payouts.add(g.payout);
        }
        case "careful" -> a.devices = new String[] {token("dev", r)};
        case "farm" -> {
          a.devices = new String[] {token("dev", r)};
          if (g.payout != null && r.nextBoolean()) {
            a.payouts.add(g.payout);
          }
        }
        default -> {}
      }
      members.add(a);
    }
    return members;
  }

  /** An account's own random stream for one day: its logins do not depend on anyone else's. */
  static SplittableRandom dayStream(long seed, Account a, int dayIndex) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + a.index * 1_000_003L + dayIndex);
  }

  static boolean weekend(LocalDate day) {
    return day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY;
  }

  /** The logins of one account on one UTC day, from its own random stream. */
  @Override
  public List<Login> loginsOf(Account a, LocalDate day, int dayIndex) {
    SplittableRandom r = dayStream(config.seed(), a, dayIndex);
    if (day.isBefore(a.createdAt.atZone(ZoneOffset.UTC).toLocalDate())) {
      return List.of();
    }
    double p = a.weekdaysOnly && weekend(day) ? a.activeProb * 0.1 : a.activeProb;
    if (r.nextDouble() >= p) {
      return List.of();
    }
    int n = a.minLogins + r.nextInt(a.maxLogins - a.minLogins + 1);
    List<Login> out = new ArrayList<>(n);
    Group g = a.g;
    SplittableRandom teamDay = g == null ? null : new SplittableRandom(g.seed + dayIndex);
    boolean abroadToday = a.abroadIps != null && r.nextInt(10) < 3;
    ZoneId zone = abroadToday ? ZoneId.of(a.abroadZone) : a.hourZone;
    int offsetHours =
        Math.round(
            zone.getRules().getOffset(day.atTime(12, 0).toInstant(ZoneOffset.UTC)).getTotalSeconds()
                / 3600f);
    for (int k = 0; k < n; k++) {
      int localHour;
      if (g != null && g.popularHours != null && r.nextInt(10) < 7) {
        localHour = g.popularHours[r.nextInt(g.popularHours.length)];
      } else {
        localHour = a.startHour + r.nextInt(Math.max(1, a.endHour - a.startHour));
      }
      int utcHour = Math.floorMod(localHour - offsetHours, 24);
      Instant t =
          day.atStartOfDay()
              .toInstant(ZoneOffset.UTC)
              .plusSeconds(utcHour * 3600L + r.nextInt(3600));
      String ip = ipFor(a, g, teamDay, r, abroadToday, day);
      String device = a.devices[r.nextInt(a.devices.length)];
      if (a.kind.equals("careful") && r.nextInt(10) < 3) {
        device = token("dev", r); // anti-detect browser: a fresh fingerprint per session
      }
      String eventId =
          "e" + Long.toHexString(config.seed()) + "-" + a.index + "-" + dayIndex + "-" + k;
      out.add(new Login(eventId, t, ip, device, AGENTS[(a.index + k) % AGENTS.length]));
    }
    return out;
  }

  private String ipFor(
      Account a,
      Group g,
      SplittableRandom teamDay,
      SplittableRandom r,
      boolean abroad,
      LocalDate day) {
    World.Country country = World.country(a.country);
    switch (a.kind) {
      case "blatant":
      case "farm":
        return g.ips[r.nextInt(g.ips.length)];
      case "careful":
        {
          if (r.nextInt(100) < 4) {
            return g.homeIp; // the occasional leak of the team's real address
          }
          // The team shares one or two exits of its provider each day.
          SplittableRandom sameForTeam = new SplittableRandom(g.seed ^ day.toEpochDay());
          int e1 = sameForTeam.nextInt(World.VPN_EXITS_PER_PROVIDER);
          int e2 = sameForTeam.nextInt(World.VPN_EXITS_PER_PROVIDER);
          return World.vpnExit(g.vpnProvider, r.nextInt(4) == 0 ? e2 : e1);
        }
      case "campus":
        return r.nextInt(10) < 6 ? g.ips[r.nextInt(g.ips.length)] : a.homeIps[0];
      case "office":
        return r.nextInt(10) < 8 ? g.ips[0] : a.homeIps[0];
      case "household":
      case "hub":
        return g.ips[0];
      case "agency":
        return r.nextBoolean() ? g.ips[0] : a.homeIps[0];
      case "cgnat":
        return r.nextInt(10) < 7
            ? World.cgnat(country, r)
            : r.nextBoolean() ? World.mobileV6(country, a.index, r) : a.homeIps[0];
      case "vpn_user":
        return r.nextInt(10) < 7
            ? World.vpnExit(g.vpnProvider, a.vpnExits[r.nextInt(2)])
            : a.homeIps[0];
      case "traveller":
        return abroad ? a.abroadIps[r.nextInt(a.abroadIps.length)] : a.homeIps[0];
      default:
        return r.nextInt(10) == 0
            ? World.cgnat(country, r)
            : a.homeIps[r.nextInt(a.homeIps.length)];
    }
  }
}
