package com.cohortwatch.generate;

import com.cohortwatch.generate.Population.Account;
import com.cohortwatch.generate.Population.Login;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A world of the family: operator rings of five styles (blatant, careful, farm, proxy, rented) and
 * their benign look-alikes, with every proportion drawn per seed ({@link WorldDraw}).
 *
 * <p>"Night shift" here means what can be observed: the worker's logins fall on the working day
 * (08:00-19:00) of a US zone, which is night where the worker lives. Coherent rings claim the US
 * and work the US day, so their login hours fit the zone they claim; only a drawn share of "slips"
 * falls on their home zone's day. Honest night-shift freelancers claim their true country and zone
 * and also log in on a US day, so their hours fit a zone far from the one they claim.
 */
final class FamilyWorld implements Platform {
  /** How an account behaves; a bought account has an owner's phase before the switch day. */
  static final class Plan {
    Phase before;
    Phase after;
    int switchDay;
  }

  /** One way of logging in: when, from where, on what. */
  static final class Phase {
    double activeProb;
    boolean weekdaysOnly;
    int minLogins;
    int maxLogins;
    ZoneId zone;
    int startHour;
    int span;
    double slip;
    ZoneId slipZone;
    Team team;
    IpSource ips;
    String[] devices;
  }

  /** Members of a non-staggered team log in on the team's session times of the day. */
  record Team(long seed, int sessions, ZoneId zone, int startHour, int span) {}

  /** Where a login comes from; {@code r} is the login's own stream, so the result is determined. */
  interface IpSource {
    String ip(SplittableRandom r, int dayIndex);
  }

  /** A facilitator's home (or phone hotspot) hosting laptops of one or more rings. */
  static final class Facilitator {
    String id;
    String ip;
    boolean hotspot;
    long seed;
    int capacity;
    int used;
    String[] payout;
  }

  static final int MAX_LAPTOPS = 5;

  private static final String[] US_WORK_ZONES = {
    "America/New_York", "America/New_York", "America/Chicago", "America/Los_Angeles"
  };

  final WorldDraw draw;
  final FamilyNet net;
  final List<Account> accounts = new ArrayList<>();
  final List<Facilitator> facilitators = new ArrayList<>();
  private final GeneratorConfig config;
  private final LocalDate firstDay;
  private final List<String[]> exitPools = new ArrayList<>();

  private FamilyWorld(GeneratorConfig config, WorldDraw draw, FamilyNet net) {
    this.config = config;
    this.draw = draw;
    this.net = net;
    this.firstDay = config.endDate().minusDays(config.days() - 1L);
    // not Population.dayStream, which shares its seeding flaw with the classic generator's inputs
    this.dayStreamSeed = FamilyNet.stream(config.seed(), DAY_SALT).nextLong();
  }

  private static final long DAY_SALT = 31;
  private final long dayStreamSeed;

  static FamilyWorld build(GeneratorConfig c) {
    WorldDraw draw = WorldDraw.draw(c);
    SplittableRandom r = new SplittableRandom(c.seed());
    FamilyWorld w = new FamilyWorld(c, draw, new FamilyNet(draw, r.split()));
    int n = c.accounts();
    List<Account> pending = new ArrayList<>();
    int operators = (int) Math.round(n * draw.operatorShare());
    int ringNo = 0;
    while (operators >= 2) {
      int size = Math.min(ringSize(draw.ringSizeAlpha(), draw.ringSizeMax(), r), operators);
      if (operators - size == 1) {
        size++; // no ring of one is left over
      }
      String style = Population.pick(draw.styleMix(), r);
      pending.addAll(w.ring("ring-" + ringNo++, style, size, r));
      operators -= size;
    }
    int groupNo = 0;
    for (String kind : WorldDraw.BENIGN) {
      int target =
          (int) Math.min(n - pending.size(), Math.round(n * draw.benignShares().get(kind)));
      while (target > 0) {
        List<Account> made = w.benign(kind, kind + "-" + groupNo++, target, r);
        pending.addAll(made);
        target -= made.size();
      }
    }
    while (pending.size() < n) {
      pending.add(w.ordinary(r));
    }
    Population.assignShuffledIds(pending, r);
    w.accounts.addAll(pending);
    return w;
  }

  /** Heavy-tailed: P(s) proportional to s^-alpha on 2..max, so most rings are small. */
  static int ringSize(double alpha, int max, SplittableRandom r) {
    double[] w = new double[max - 1];
    for (int s = 2; s <= max; s++) {
      w[s - 2] = Math.pow(s, -alpha);
    }
    return 2 + FamilyNet.pick(FamilyNet.cumulative(w), r);
  }

  @Override
  public List<Account> accounts() {
    return accounts;
  }

  @Override
  public List<String[]> intel() {
    return net.intel(config.seed());
  }

  @Override
  public Map<String, Object> drawn() {
    Map<String, Object> m = draw.describe();
    m.put("facilitators", facilitators.size());
    return m;
  }

  // ---- operators ----

  private List<Account> ring(String id, String style, int size, SplittableRandom r) {
    String[] home = FamilyNet.RING_HOMES[r.nextInt(FamilyNet.RING_HOMES.length)];
    ZoneId homeZone = ZoneId.of(home[1]);
    String homeIp = net.residential(FamilyNet.country(home[0]), home[1], r);
    boolean coherent = style.equals("farm") || r.nextDouble() < draw.coherentShare();
    String shift = coherent || r.nextDouble() < draw.claimedShiftShare() ? "claimed" : "home";
    boolean staggered = r.nextDouble() < draw.staggerShare();
    // Coherent rings mostly claim one US zone; a team sitting together logs in on one clock.
    String ringUsZone = US_WORK_ZONES[r.nextInt(US_WORK_ZONES.length)];
    ZoneId teamZone =
        shift.equals("home")
            ? homeZone
            : ZoneId.of(
                coherent
                    ? ringUsZone
                    : FamilyNet.country(
                            FamilyNet.RING_CLAIMS[r.nextInt(FamilyNet.RING_CLAIMS.length)])
                        .zones()[0]);
    Team team =
        staggered ? null : new Team(r.nextLong(), 2 + r.nextInt(3), teamZone, 8 + r.nextInt(2), 9);
    double slip = shift.equals("claimed") ? WorldDraw.between(r, 0, 0.15) : 0;
    double leak = WorldDraw.between(r, 0, draw.leakRate());
    int provider = net.provider(r);
    String[] pool;
    if (!exitPools.isEmpty() && r.nextDouble() < draw.shareExitsProb()) {
      pool = exitPools.get(r.nextInt(exitPools.size())); // works from another ring's exits
    } else {
      pool = new String[3 + r.nextInt(28)];
      for (int i = 0; i < pool.length; i++) {
        pool[i] = net.exit(provider, r);
      }
      exitPools.add(pool);
    }
    String[] servers = new String[2 + r.nextInt(3)];
    for (int i = 0; i < servers.length; i++) {
      servers[i] = net.hosting(r);
    }
    String[] sharedDevices = new String[Math.max(1, size / 3)];
    for (int i = 0; i < sharedDevices.length; i++) {
      sharedDevices[i] = Population.token("dev", r);
    }
    String[] collector = {Population.token("pm", r), payoutType(r), null};
    // Rented accounts are run either through VPNs or through residential proxies.
    String rentedVia = r.nextBoolean() ? "careful" : "proxy";
    int stickyDays = 7 + r.nextInt(34);
    int proxyProvider = net.proxyProvider(r);
    // The ring's plan: a few of the provider's subnets, where its sticky sessions land.
    int[] proxyPlan = new int[1 + r.nextInt(6)];
    for (int i = 0; i < proxyPlan.length; i++) {
      proxyPlan[i] = r.nextInt(net.proxySubnets(proxyProvider));
    }
    double activeProb = WorldDraw.between(r, 0.6, 0.95);
    double weekdaysOnly = r.nextDouble();
    double bought = style.equals("rented") ? 1 : WorldDraw.between(r, 0, draw.boughtShareMax());
    LocalDate start =
        firstDay.minusDays(400).plusDays(r.nextInt(400 + Math.max(1, config.days() / 2)));
    int spread = 3 + r.nextInt(draw.creationSpreadMax());
    double collectorShare = style.equals("blatant") ? 1 : draw.collectorPayoutShare();
    Facilitator fac = null;
    List<Account> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      boolean isBought = r.nextDouble() < bought;
      // A coherent ring buys aged US accounts; others take whatever the market has.
      FamilyNet.Country claim =
          isBought && !coherent
              ? FamilyNet.anyCountry(r)
              : FamilyNet.country(
                  coherent ? "US" : FamilyNet.RING_CLAIMS[r.nextInt(FamilyNet.RING_CLAIMS.length)]);
      Account a = account(style, id, claim, r);
      if (claim.code().equals("US") && r.nextDouble() < 0.7) {
        a.zone = ringUsZone;
      }
      a.operator = true;
      a.shift = shift;
      LocalDate created = start.plusDays(r.nextInt(spread));
      if (created.isAfter(config.endDate().minusDays(3))) {
        created = config.endDate().minusDays(3 + r.nextInt(10));
      }
      a.createdAt = at(created, r);
      Phase p = new Phase();
      p.activeProb = activeProb;
      p.weekdaysOnly = r.nextDouble() < weekdaysOnly;
      p.minLogins = 2;
      p.maxLogins = 4 + r.nextInt(5);
      p.zone = shift.equals("claimed") ? ZoneId.of(a.zone) : homeZone;
      p.startHour = 8 + r.nextInt(2);
      p.span = 9 + r.nextInt(2);
      if (staggered) {
        // Each member works a part of the shift, so the team is rarely online together.
        int part = 4 + r.nextInt(3);
        p.startHour += r.nextInt(Math.max(1, p.span - part + 1));
        p.span = part;
      }
      p.team = team;
      p.slip = slip;
      p.slipZone = homeZone;
      p.devices = new String[] {Population.token("dev", r)}; // one stable anti-detect profile
      String how = style.equals("rented") ? rentedVia : style;
      long own = r.nextLong();
      String[] mine = pool;
      switch (how) {
        case "blatant" -> {
          p.devices = new String[] {sharedDevices[r.nextInt(sharedDevices.length)]};
          p.ips =
              (lr, d) -> lr.nextInt(10) < 8 ? servers[lr.nextInt(servers.length)] : pick(mine, lr);
        }
        case "careful" -> p.ips = vpnSource(mine, team, staggered, own);
        case "farm" -> {
          if (fac == null || fac.used >= fac.capacity) {
            fac = facilitatorFor(r, size - i);
          }
          fac.used++;
          a.facilitator = fac.id;
          Facilitator f = fac;
          p.ips =
              (lr, d) ->
                  f.hotspot
                      ? FamilyNet.mobile(
                          FamilyNet.country("US"), new SplittableRandom(f.seed * 31 + d))
                      : f.ip;
          if (r.nextDouble() < draw.facilitatorPayoutShare()) {
            a.payouts.add(f.payout);
          }
        }
        case "proxy" -> {
          FamilyNet.Country c = claim;
          p.ips =
              (lr, d) ->
                  lr.nextInt(100) < 95
                      ? sticky(proxyProvider, proxyPlan, c, own + d / stickyDays)
                      : pick(mine, lr);
        }
        default -> throw new IllegalStateException(how);
      }
      IpSource base = p.ips;
      p.ips = (lr, d) -> lr.nextDouble() < leak ? homeIp : base.ip(lr, d);
      Plan plan = new Plan();
      plan.after = p;
      if (isBought) {
        // Bought or rented: an aged account whose owner hands it over mid-window.
        a.createdAt = at(firstDay.minusDays(365 + r.nextInt(5 * 365)), r);
        plan.before = ownerPhase(a, claim, r);
        plan.switchDay = config.days() / 4 + r.nextInt(Math.max(1, config.days() / 2));
        a.changedHands = firstDay.plusDays(plan.switchDay).toString();
        a.payouts.add(
            new String[] {
              Population.token("pm", r), "bank", a.createdAt.plusSeconds(86_400).toString()
            });
      }
      a.plan = plan;
      operatorPayouts(a, plan, collector, collectorShare, r);
      members.add(a);
    }
    return members;
  }

  /** The address a sticky proxy session holds for a stretch of days. */
  private String sticky(int provider, int[] plan, FamilyNet.Country c, long session) {
    SplittableRandom s = new SplittableRandom(session);
    return net.proxyAddress(provider, c, plan[s.nextInt(plan.length)], s);
  }

  private IpSource vpnSource(String[] pool, Team team, boolean staggered, long own) {
    return (lr, d) -> {
      if (!staggered && lr.nextInt(4) != 0) {
        // The team's exit of the day.
        return pool[new SplittableRandom(team.seed() ^ (d * 0x9E37L)).nextInt(pool.length)];
      }
      return pool[lr.nextInt(pool.length)];
    };
  }

  private Facilitator facilitatorFor(SplittableRandom r, int remaining) {
    // The last laptop of a ring goes where there is room rather than alone to a new house.
    boolean share = remaining == 1 || r.nextDouble() < draw.shareFacilitatorProb();
    if (share && !facilitators.isEmpty()) {
      for (int k = facilitators.size() - 1; k >= 0; k--) {
        Facilitator f = facilitators.get(k);
        if (f.used < (remaining == 1 ? MAX_LAPTOPS : f.capacity)) {
          return f; // a facilitator already hosting another ring's laptops
        }
      }
    }
    Facilitator f = new Facilitator();
    f.id = "fac-" + facilitators.size();
    f.hotspot = r.nextDouble() < draw.hotspotShare();
    f.ip = net.residential(FamilyNet.country("US"), null, r);
    f.seed = r.nextLong();
    f.capacity = 2 + r.nextInt(MAX_LAPTOPS - 1);
    f.payout = new String[] {Population.token("pm", r), r.nextBoolean() ? "bank" : "paypal", null};
    facilitators.add(f);
    return f;
  }

  private void operatorPayouts(
      Account a, Plan plan, String[] collector, double collectorShare, SplittableRandom r) {
    Instant from = plan.before != null ? at(firstDay.plusDays(plan.switchDay), r) : a.createdAt;
    a.payouts.add(new String[] {Population.token("pm", r), payoutType(r), from.toString()});
    if (r.nextDouble() < collectorShare) {
      a.payouts.add(collector);
    }
    // Payout methods change often: a few more are added inside the window.
    int extra = poisson(draw.extraPayoutsMean(), r);
    for (int i = 0; i < extra; i++) {
      a.payouts.add(
          new String[] {
            Population.token("pm", r),
            payoutType(r),
            at(firstDay.plusDays(r.nextInt(config.days())), r).toString()
          });
    }
    // Shared methods carry no date of their own: each account added them when it signed up.
    for (int i = 0; i < a.payouts.size(); i++) {
      String[] m = a.payouts.get(i);
      if (m.length > 2 && m[2] == null) {
        a.payouts.set(i, new String[] {m[0], m[1], from.plusSeconds(86_400).toString()});
      }
    }
  }

  private String payoutType(SplittableRandom r) {
    if (r.nextDouble() < draw.cryptoShare()) {
      return "crypto";
    }
    String[] t = {"payoneer", "bank", "paypal"};
    return t[r.nextInt(t.length)];
  }

  private static int poisson(double mean, SplittableRandom r) {
    double l = Math.exp(-mean);
    int k = 0;
    double p = r.nextDouble();
    while (p > l && k < 20) {
      k++;
      p *= r.nextDouble();
    }
    return k;
  }

  /** The honest owner of an account before it is sold: home address, local hours, own devices. */
  private Phase ownerPhase(Account a, FamilyNet.Country c, SplittableRandom r) {
    Phase p = localPhase(ZoneId.of(a.zone), r);
    p.activeProb = WorldDraw.between(r, 0.2, 0.6);
    p.devices = devices(r);
    String homeIp = net.residential(c, a.zone, r);
    p.ips = (lr, d) -> lr.nextInt(10) == 0 ? FamilyNet.mobile(c, lr) : homeIp;
    return p;
  }

  // ---- benign ----

  private List<Account> benign(String kind, String groupId, int target, SplittableRandom r) {
    List<Account> out = new ArrayList<>();
    switch (kind) {
      case "night_shift" -> out.add(nightShift(r));
      case "vpn_user" -> out.add(vpnUser(r));
      case "traveller" -> out.add(traveller(r));
      case "cgnat" -> out.add(mobileUser(r));
      case "campus" ->
          out.addAll(campus(groupId, Math.min(target, jitter(draw.campusSize(), r)), r));
      case "agency" ->
          out.addAll(agency(groupId, Math.min(target, jitter(draw.agencySize(), r)), r));
      case "household" -> out.addAll(household(groupId, Math.min(target, 2 + r.nextInt(4)), r));
      case "office" -> out.addAll(office(groupId, Math.min(target, 10 + r.nextInt(51)), r));
      default -> throw new IllegalStateException(kind);
    }
    return out;
  }

  private static int jitter(int mean, SplittableRandom r) {
    return Math.max(2, (int) (mean * WorldDraw.between(r, 0.6, 1.4)));
  }

  private Account ordinary(SplittableRandom r) {
    FamilyNet.Country c = FamilyNet.anyCountry(r);
    Account a = account("ordinary", null, c, r);
    Phase p = localPhase(ZoneId.of(a.zone), r);
    Home home = homes(c, a.zone, r);
    p.ips = (lr, d) -> lr.nextInt(10) == 0 ? FamilyNet.mobile(c, lr) : home.at(d, lr);
    return finish(a, p, r);
  }

  /** Claims her true country and zone, works her US clients' day from home. */
  private Account nightShift(SplittableRandom r) {
    FamilyNet.Country c = FamilyNet.oneOf(FamilyNet.NIGHT_SHIFT_COUNTRIES, r);
    Account a = account("night_shift", null, c, r);
    Phase p = usDayPhase(r);
    Home home = homes(c, a.zone, r);
    boolean vpn = r.nextDouble() < draw.nightShiftVpnShare();
    int provider = net.provider(r);
    double vpnShare = WorldDraw.between(r, 0.1, 0.3);
    p.ips =
        (lr, d) -> {
          if (vpn && lr.nextDouble() < vpnShare) {
            return net.exit(provider, lr);
          }
          return lr.nextInt(100) < 85 ? home.at(d, lr) : FamilyNet.mobile(c, lr);
        };
    return finish(a, p, r);
  }

  private Phase usDayPhase(SplittableRandom r) {
    Phase p = localPhase(ZoneId.of(US_WORK_ZONES[r.nextInt(US_WORK_ZONES.length)]), r);
    p.startHour = 8 + r.nextInt(2);
    p.span = 8 + r.nextInt(3);
    p.weekdaysOnly = r.nextDouble() < 0.6;
    p.activeProb = WorldDraw.between(r, 0.5, 0.9);
    p.maxLogins = 3 + r.nextInt(4);
    return p;
  }

  /** An honest user of a commercial VPN in a country where many need one. */
  private Account vpnUser(SplittableRandom r) {
    FamilyNet.Country c = FamilyNet.oneOf(FamilyNet.VPN_COUNTRIES, r);
    Account a = account("vpn_user", null, c, r);
    Phase p = localPhase(ZoneId.of(a.zone), r);
    int provider = net.provider(r);
    String[] favourites = new String[1 + r.nextInt(4)];
    for (int i = 0; i < favourites.length; i++) {
      favourites[i] = net.exit(provider, r);
    }
    double vpnShare = WorldDraw.between(r, 0.5, 0.9);
    Home home = homes(c, a.zone, r);
    p.ips =
        (lr, d) -> {
          if (lr.nextDouble() >= vpnShare) {
            return home.at(d, lr);
          }
          return lr.nextInt(10) < 7 ? pick(favourites, lr) : net.exit(provider, lr);
        };
    return finish(a, p, r);
  }

  private Account traveller(SplittableRandom r) {
    FamilyNet.Country c = FamilyNet.anyCountry(r);
    Account a = account("traveller", null, c, r);
    Phase p = localPhase(ZoneId.of(a.zone), r);
    FamilyNet.Country abroad = FamilyNet.anyCountry(r);
    String[] away = {
      FamilyNet.business(abroad, r), net.residential(abroad, null, r), net.hosting(r)
    };
    int leave = r.nextInt(config.days());
    int back = leave + 3 + r.nextInt(12);
    Home home = homes(c, a.zone, r);
    p.ips = (lr, d) -> d >= leave && d < back ? pick(away, lr) : home.at(d, lr);
    return finish(a, p, r);
  }

  private Account mobileUser(SplittableRandom r) {
    FamilyNet.Country c = FamilyNet.anyCountry(r);
    Account a = account("cgnat", null, c, r);
    Phase p = localPhase(ZoneId.of(a.zone), r);
    Home home = homes(c, a.zone, r);
    p.ips = (lr, d) -> lr.nextInt(10) < 8 ? FamilyNet.mobile(c, lr) : home.at(d, lr);
    return finish(a, p, r);
  }

  private List<Account> campus(String id, int size, SplittableRandom r) {
    FamilyNet.Country c = FamilyNet.anyCountry(r);
    String zone = c.zones()[r.nextInt(c.zones().length)];
    String[] nat = new String[Math.max(2, size / 400)];
    for (int i = 0; i < nat.length; i++) {
      nat[i] = FamilyNet.education(c, r);
    }
    int[] popular = {9, 10, 11, 13, 14, 15, 16, 19, 20};
    List<Account> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Account a = account("campus", id, c, r);
      a.zone = zone;
      Phase p = localPhase(ZoneId.of(zone), r);
      p.activeProb = WorldDraw.between(r, 0.5, 0.8);
      // Lectures: most students log in around the same hours.
      int lecture = popular[r.nextInt(popular.length)];
      if (r.nextBoolean()) {
        p.startHour = lecture;
        p.span = 2;
      }
      Home home = homes(c, a.zone, r);
      p.ips = (lr, d) -> lr.nextInt(10) < 6 ? pick(nat, lr) : home.at(d, lr);
      out.add(finish(a, p, r));
    }
    return out;
  }

  /** An agency paying its workers through one account; some agencies keep US clients' hours. */
  private List<Account> agency(String id, int size, SplittableRandom r) {
    boolean nightShift = r.nextDouble() < draw.nightShiftAgencyShare();
    FamilyNet.Country c =
        nightShift ? FamilyNet.oneOf(FamilyNet.NIGHT_SHIFT_COUNTRIES, r) : FamilyNet.anyCountry(r);
    String zone = c.zones()[0];
    String office = FamilyNet.business(c, r);
    String[] payout = {Population.token("pm", r), r.nextBoolean() ? "payoneer" : "bank", null};
    double memberFlag = WorldDraw.between(r, 0.5, 0.9);
    List<Account> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Account a = account("agency", id, c, r);
      a.zone = zone;
      Phase p = nightShift ? usDayPhase(r) : localPhase(ZoneId.of(zone), r);
      p.activeProb = 0.6;
      Home home = homes(c, a.zone, r);
      p.ips = (lr, d) -> lr.nextBoolean() ? office : home.at(d, lr);
      a.profileType = r.nextDouble() < memberFlag ? "agency_member" : "individual";
      a.payouts.add(
          new String[] {payout[0], payout[1], a.createdAt.plusSeconds(86_400).toString()});
      out.add(finish(a, p, r));
    }
    return out;
  }

  /** A family on one home address, all on the one laptop, sometimes one bank account. */
  private List<Account> household(String id, int size, SplittableRandom r) {
    FamilyNet.Country c = FamilyNet.anyCountry(r);
    String zone = c.zones()[0];
    String ip = net.residential(c, zone, r);
    String laptop = Population.token("dev", r);
    String[] payout = r.nextInt(10) < 3 ? new String[] {Population.token("pm", r), "bank"} : null;
    List<Account> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Account a = account("household", id, c, r);
      a.zone = zone;
      Phase p = localPhase(ZoneId.of(zone), r);
      p.devices =
          r.nextInt(10) < 7
              ? new String[] {laptop}
              : new String[] {laptop, Population.token("dev", r)};
      p.ips = (lr, d) -> lr.nextInt(10) == 0 ? FamilyNet.mobile(c, lr) : ip;
      if (payout != null) {
        a.payouts.add(
            new String[] {payout[0], payout[1], a.createdAt.plusSeconds(86_400).toString()});
      }
      out.add(finish(a, p, r));
    }
    return out;
  }

  private List<Account> office(String id, int size, SplittableRandom r) {
    FamilyNet.Country c = FamilyNet.anyCountry(r);
    String zone = c.zones()[0];
    String ip = FamilyNet.business(c, r);
    List<Account> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Account a = account("office", id, c, r);
      a.zone = zone;
      Phase p = localPhase(ZoneId.of(zone), r);
      p.activeProb = 0.75;
      p.weekdaysOnly = true;
      p.startHour = 9;
      p.span = 9;
      p.minLogins = 2;
      p.maxLogins = 5;
      Home home = homes(c, a.zone, r);
      p.ips = (lr, d) -> lr.nextInt(10) < 8 ? ip : home.at(d, lr);
      out.add(finish(a, p, r));
    }
    return out;
  }

  // ---- shared pieces ----

  private Account account(String kind, String group, FamilyNet.Country c, SplittableRandom r) {
    Account a = new Account();
    a.kind = kind;
    a.group = group;
    a.country = c.code();
    a.zone = c.zones()[r.nextInt(c.zones().length)];
    a.hourZone = ZoneId.of(a.zone);
    // Most accounts are months to years old; a few signed up inside the window.
    a.createdAt =
        r.nextInt(20) == 0
            ? at(firstDay.plusDays(r.nextInt(config.days())), r)
            : at(firstDay.minusDays(1 + r.nextInt(3 * 365)), r);
    a.emailDomain = Population.DOMAINS[r.nextInt(Population.DOMAINS.length)];
    return a;
  }

  private Account finish(Account a, Phase p, SplittableRandom r) {
    if (p.devices == null) {
      p.devices = devices(r);
    }
    Plan plan = new Plan();
    plan.after = p;
    a.plan = plan;
    if (!a.payouts.isEmpty()) {
      return a; // paid through the agency's or the household's method only
    }
    a.payouts.add(
        new String[] {
          Population.token("pm", r),
          r.nextInt(3) == 0 ? "paypal" : "bank",
          a.createdAt.plusSeconds(86_400).toString()
        });
    return a;
  }

  private Phase localPhase(ZoneId zone, SplittableRandom r) {
    Phase p = new Phase();
    p.zone = zone;
    p.activeProb = WorldDraw.between(r, 0.3, 0.7);
    p.minLogins = 1;
    p.maxLogins = 2 + r.nextInt(4);
    boolean nightOwl = r.nextInt(10) == 0;
    p.startHour = nightOwl ? 12 : 7 + r.nextInt(3);
    p.span = nightOwl ? 15 : 13 + r.nextInt(3);
    return p;
  }

  private static String[] devices(SplittableRandom r) {
    String[] d = new String[1 + r.nextInt(3)];
    for (int i = 0; i < d.length; i++) {
      d[i] = Population.token("dev", r);
    }
    return d;
  }

  /**
   * A home's one or two lines (a quarter also use a second address), and for a drawn share a new
   * address from some day on: providers reassign dynamic addresses, so an address passes between
   * unrelated homes over the window.
   */
  private Home homes(FamilyNet.Country c, String zone, SplittableRandom r) {
    String[] before =
        r.nextInt(4) == 0
            ? new String[] {net.residential(c, zone, r), net.residential(c, zone, r)}
            : new String[] {net.residential(c, zone, r)};
    if (r.nextDouble() >= draw.homeReassignShare()) {
      return new Home(before, before, Integer.MAX_VALUE);
    }
    String[] after = before.clone();
    after[0] = net.residential(c, zone, r);
    return new Home(before, after, 1 + r.nextInt(Math.max(1, config.days() - 1)));
  }

  private record Home(String[] before, String[] after, int changeDay) {
    String at(int day, SplittableRandom r) {
      return pick(day < changeDay ? before : after, r);
    }
  }

  private static String pick(String[] a, SplittableRandom r) {
    return a[r.nextInt(a.length)];
  }

  private static Instant at(LocalDate day, SplittableRandom r) {
    return day.atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(r.nextInt(86_400));
  }

  // ---- logins ----

  @Override
  public List<Login> loginsOf(Account a, LocalDate day, int dayIndex) {
    SplittableRandom r =
        new SplittableRandom(dayStreamSeed + a.index * 1_000_003L + dayIndex * 0x9E37L);
    if (day.isBefore(a.createdAt.atZone(ZoneOffset.UTC).toLocalDate())) {
      return List.of();
    }
    Plan plan = a.plan;
    Phase p = plan.before != null && dayIndex < plan.switchDay ? plan.before : plan.after;
    double active = p.weekdaysOnly && Population.weekend(day) ? p.activeProb * 0.1 : p.activeProb;
    if (r.nextDouble() >= active) {
      return List.of();
    }
    int n = p.minLogins + r.nextInt(p.maxLogins - p.minLogins + 1);
    int offset = offsetMinutes(p.zone, day);
    int[] sessions = null;
    if (p.team != null) {
      SplittableRandom t = new SplittableRandom(p.team.seed() + dayIndex);
      sessions = new int[p.team.sessions()];
      for (int i = 0; i < sessions.length; i++) {
        sessions[i] =
            p.team.startHour() * 60
                + t.nextInt(p.team.span() * 60)
                - offsetMinutes(p.team.zone(), day);
      }
    }
    List<Login> out = new ArrayList<>(n);
    Instant midnight = day.atStartOfDay().toInstant(ZoneOffset.UTC);
    for (int k = 0; k < n; k++) {
      int utcMinute;
      if (p.slipZone != null && r.nextDouble() < p.slip) {
        utcMinute = 9 * 60 + r.nextInt(9 * 60) - offsetMinutes(p.slipZone, day);
      } else if (sessions != null && r.nextInt(10) < 8) {
        utcMinute = sessions[r.nextInt(sessions.length)] + r.nextInt(20);
      } else {
        utcMinute = p.startHour * 60 + r.nextInt(p.span * 60) - offset;
      }
      Instant t = midnight.plusSeconds(Math.floorMod(utcMinute, 1440) * 60L + r.nextInt(60));
      String ip = p.ips.ip(r, dayIndex);
      String device = p.devices[r.nextInt(p.devices.length)];
      String eventId =
          "e" + Long.toHexString(config.seed()) + "-" + a.index + "-" + dayIndex + "-" + k;
      out.add(
          new Login(
              eventId, t, ip, device, Population.AGENTS[(a.index + k) % Population.AGENTS.length]));
    }
    return out;
  }

  private static int offsetMinutes(ZoneId zone, LocalDate day) {
    return zone.getRules().getOffset(day.atTime(12, 0).toInstant(ZoneOffset.UTC)).getTotalSeconds()
        / 60;
  }
}
