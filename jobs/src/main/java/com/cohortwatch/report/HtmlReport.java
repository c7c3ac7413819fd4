package com.cohortwatch.report;

import static com.cohortwatch.report.Html.count;
import static com.cohortwatch.report.Html.escape;
import static com.cohortwatch.report.Html.num;

import com.cohortwatch.report.ReportModel.ClaimedZone;
import com.cohortwatch.report.ReportModel.ClusterView;
import com.cohortwatch.report.ReportModel.QuarantineCount;
import com.cohortwatch.report.ReportModel.Reason;
import com.cohortwatch.report.ReportModel.RunInfo;
import com.cohortwatch.report.ReportModel.ScoreDistribution;
import com.cohortwatch.schema.RiskTier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders a {@link ReportModel} as one self-contained HTML page: inline CSS and inline SVG, no
 * script, font, image or link to fetch, so it opens anywhere without a network. Every value that
 * came from data is escaped. Pure Java: no Spark here.
 */
public final class HtmlReport {
  private HtmlReport() {}

  /** Accounts and attributes drawn per cluster graph; the rest are counted as "+N more". */
  public static final int MAX_GRAPH_ACCOUNTS = 30;

  public static final int MAX_GRAPH_ATTRIBUTES = 30;

  static final int CELL = 26;
  static final int LABEL_WIDTH = 340;
  static final int HEAT_ROW = 22;

  private static final String CSS =
      """
      body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
        margin:0;background:#fafafa}
      main{max-width:1020px;margin:0 auto;padding:16px 20px 60px;background:#fff}
      h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 8px;
        border-bottom:2px solid #ddd;padding-bottom:4px}h3{font-size:16px;margin:18px 0 6px}
      .sub{color:#666}table{border-collapse:collapse;margin:6px 0 12px}
      th,td{padding:3px 10px;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top}
      td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
      code,.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
      .badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;
        font-weight:600}
      .status-succeeded{background:#2e7d32}.status-failed{background:#c62828}
      .status-started{background:#f9a825}.status-other{background:#757575}
      .tier-critical{background:#b30000}.tier-high{background:#e34a33}
      .tier-medium{background:#fdae61;color:#222}.tier-low{background:#9ecae1;color:#222}
      .tier-none{background:#ccc;color:#222}
      section.cluster{border-top:1px solid #ccc;margin-top:24px}
      ul.reasons{margin:4px 0 8px;padding-left:20px}ul.reasons code{color:#555}
      svg{display:block;margin:6px 0 10px;font-size:12px}svg text{fill:#333}
      svg .column-head{font-weight:600}svg .more{fill:#666;font-style:italic}
      svg line.edge{stroke-width:1.4}
      svg circle.node{stroke:#333;stroke-width:.8}
      .note{color:#666;font-size:13px}
      """;

  /** The whole page. */
  public static String render(ReportModel m) {
    StringBuilder s = new StringBuilder(64 * 1024);
    s.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.append("<title>CohortWatch report ").append(escape(m.runDate())).append("</title>\n");
    s.append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
    s.append("<h1>CohortWatch report \u2013 run date ")
        .append(escape(m.runDate()))
        .append("</h1>\n");
    s.append("<p class=\"sub\">Warehouse <code>")
        .append(escape(m.warehouse()))
        .append("</code>; login heatmaps cover ")
        .append(m.lookbackDays())
        .append(" days ending on the run date (")
        .append(escape(m.runDate().minusDays(m.lookbackDays() - 1L)))
        .append(" to ")
        .append(escape(m.runDate()))
        .append(", UTC).</p>\n");
    runSection(s, m);
    scoreSection(s, m.scores());
    clustersSection(s, m);
    s.append("</main>\n</body>\n</html>\n");
    return s.toString();
  }

  // ---- run counts and data quality

  /** The run whose counts are shown: the newest that succeeded, else the newest. */
  static RunInfo reportedRun(List<RunInfo> runs) {
    for (RunInfo r : runs) {
      if ("succeeded".equals(r.status())) {
        return r;
      }
    }
    return runs.isEmpty() ? null : runs.get(0);
  }

  private static String statusBadge(String status) {
    String cls =
        switch (status == null ? "" : status) {
          case "succeeded", "failed", "started" -> "status-" + status;
          default -> "status-other";
        };
    return "<span class=\"badge " + cls + "\">" + escape(status) + "</span>";
  }

  private static String tierBadge(String tier) {
    // List.of(...).contains(null) throws: a missing tier is checked first.
    String cls = tier != null && RiskTier.BY_SEVERITY.contains(tier) ? "tier-" + tier : "tier-none";
    return "<span class=\"badge " + cls + "\">" + escape(tier) + "</span>";
  }

  private static void runSection(StringBuilder s, ReportModel m) {
    s.append("<section id=\"run\">\n<h2>Run and data quality</h2>\n");
    RunInfo run = reportedRun(m.runs());
    if (run == null) {
      s.append("<p class=\"note\">run_metrics has no row for this run date.</p>\n");
    } else {
      s.append("<table class=\"runs\">\n<tr><th>status</th><th>command</th><th>started</th>")
          .append("<th>finished</th><th class=\"n\">seconds</th><th>run id</th><th>message</th>")
          .append("</tr>\n");
      for (RunInfo r : m.runs()) {
        String seconds =
            r.startedAt() != null && r.finishedAt() != null
                ? num(Duration.between(r.startedAt(), r.finishedAt()).toMillis() / 1000.0, 1)
                : "";
        s.append("<tr><td>")
            .append(statusBadge(r.status()))
            .append("</td><td>")
            .append(escape(r.command()))
            .append("</td><td>")
            .append(escape(Html.time(r.startedAt())))
            .append("</td><td>")
            .append(escape(Html.time(r.finishedAt())))
            .append("</td><td class=\"n\">")
            .append(seconds)
            .append("</td><td class=\"id\">")
            .append(escape(r.runId()))
            .append("</td><td>")
            .append(escape(r.message()))
            .append("</td></tr>\n");
      }
      s.append("</table>\n");
      s.append("<h3>Rows per table (run ")
          .append(escape(Html.shorten(run.runId(), 8)))
          .append(", ")
          .append(escape(run.status()))
          .append(")</h3>\n");
      countsTable(s, run);
      s.append("<p class=\"note\">Duplicates dropped: ")
          .append(run.duplicatesDropped() == null ? "\u2013" : count(run.duplicatesDropped()))
          .append("; late events: ")
          .append(run.lateEvents() == null ? "\u2013" : count(run.lateEvents()))
          .append(".</p>\n");
      s.append("<h3>Stage timings</h3>\n");
      stageChart(s, run.stageSeconds());
    }
    s.append("<h3>Quarantine reasons</h3>\n");
    if (m.quarantine().isEmpty()) {
      s.append("<p class=\"note\">No record was quarantined on this run date.</p>\n");
    } else {
      s.append("<table class=\"quarantine\">\n<tr><th>table</th><th>reason</th>")
          .append("<th class=\"n\">records</th></tr>\n");
      for (QuarantineCount q : m.quarantine()) {
        s.append("<tr><td>")
            .append(escape(q.sourceTable()))
            .append("</td><td>")
            .append(escape(q.reason()))
            .append("</td><td class=\"n\">")
            .append(count(q.rows()))
            .append("</td></tr>\n");
      }
      s.append("</table>\n");
    }
    s.append("</section>\n");
  }

  private static void countsTable(StringBuilder s, RunInfo run) {
    Set<String> tables = new LinkedHashSet<>();
    tables.addAll(run.rowsRead().keySet());
    tables.addAll(run.rowsQuarantined().keySet());
    tables.addAll(run.rowsWritten().keySet());
    if (tables.isEmpty()) {
      s.append("<p class=\"note\">This run recorded no row counts.</p>\n");
      return;
    }
    s.append("<table class=\"counts\">\n<tr><th>table</th><th class=\"n\">read</th>")
        .append("<th class=\"n\">quarantined</th><th class=\"n\">share</th>")
        .append("<th class=\"n\">written</th></tr>\n");
    for (String t : tables) {
      Long read = run.rowsRead().get(t);
      Long bad = run.rowsQuarantined().get(t);
      Long written = run.rowsWritten().get(t);
      String share =
          read != null && bad != null && read > 0 ? num(100.0 * bad / read, 2) + " %" : "";
      s.append("<tr><td>")
          .append(escape(t))
          .append("</td><td class=\"n\">")
          .append(read == null ? "\u2013" : count(read))
          .append("</td><td class=\"n\">")
          .append(bad == null ? "\u2013" : count(bad))
          .append("</td><td class=\"n\">")
          .append(share)
          .append("</td><td class=\"n\">")
          .append(written == null ? "\u2013" : count(written))
          .append("</td></tr>\n");
    }
    s.append("</table>\n");
  }

  private static void stageChart(StringBuilder s, Map<String, Double> stages) {
    if (stages.isEmpty()) {
      s.append("<p class=\"note\">This run recorded no stage timings.</p>\n");
      return;
    }
    double max = stages.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
    int labelW = 160;
    int barW = 640;
    int height = stages.size() * 20 + 6;
    Svg svg = Svg.open(s, "stage-chart", labelW + barW + 80, height);
    int y = 2;
    for (Map.Entry<String, Double> e : stages.entrySet()) {
      double v = e.getValue() == null ? 0 : e.getValue();
      int bar = Math.max(max <= 0 ? 0 : (int) Math.round(barW * v / max), 1);
      svg.text(e.getKey(), "x", labelW - 8, "y", y + 13, "text-anchor", "end")
          .rect(
              "class",
              "bar stage",
              "x",
              labelW,
              "y",
              y + 2,
              "width",
              bar,
              "height",
              14,
              "fill",
              "#6a8caf")
          .text(num(v, 1) + " s", "x", labelW + bar + 6, "y", y + 13)
          .newline();
      y += 20;
    }
    svg.close();
  }

  // ---- score distribution

  private static void scoreSection(StringBuilder s, ScoreDistribution d) {
    s.append("<section id=\"scores\">\n<h2>Score distribution</h2>\n");
    s.append("<p>")
        .append(count(d.total()))
        .append(" accounts scored. Risk score in ")
        .append(ScoreDistribution.BINS)
        .append(" bins of ")
        .append(num(1.0 / ScoreDistribution.BINS, 2))
        .append(":</p>\n");
    histogram(s, d.bins());
    s.append("<h3>Accounts per tier</h3>\n");
    Map<String, Long> tiers = new LinkedHashMap<>();
    RiskTier.BY_SEVERITY.forEach(t -> tiers.put(t, d.tiers().getOrDefault(t, 0L)));
    d.tiers().forEach(tiers::putIfAbsent);
    long max = Math.max(1, tiers.values().stream().mapToLong(Long::longValue).max().orElse(1));
    int labelW = 90;
    int barW = 700;
    Svg svg = Svg.open(s, "tier-chart", labelW + barW + 90, tiers.size() * 24 + 6);
    int y = 2;
    for (Map.Entry<String, Long> e : tiers.entrySet()) {
      int w = (int) Math.round((double) barW * e.getValue() / max);
      svg.text(e.getKey(), "x", labelW - 8, "y", y + 15, "text-anchor", "end")
          .rect(
              "class",
              "bar tier tier-bar-" + Html.cssToken(e.getKey()),
              "x",
              labelW,
              "y",
              y + 2,
              "width",
              e.getValue() > 0 ? Math.max(w, 1) : 0,
              "height",
              18,
              "fill",
              GraphSvg.tierColour(e.getKey()))
          .text(count(e.getValue()), "x", labelW + w + 6, "y", y + 15)
          .newline();
      y += 24;
    }
    svg.close();
    s.append("</section>\n");
  }

  private static void histogram(StringBuilder s, long[] bins) {
    int left = 60;
    int plotW = 880;
    int plotH = 200;
    int top = 18;
    int width = left + plotW + 20;
    int height = top + plotH + 40;
    long max = 1;
    for (long b : bins) {
      max = Math.max(max, b);
    }
    double barW = (double) plotW / bins.length;
    int baseline = top + plotH;
    Svg svg = Svg.open(s, "histogram", width, height);
    svg.line("x1", left, "y1", baseline, "x2", left + plotW, "y2", baseline, "stroke", "#999")
        .newline();
    svg.text(count(max), "x", left - 8, "y", top + 4, "text-anchor", "end")
        .text("0", "x", left - 8, "y", baseline, "text-anchor", "end")
        .newline();
    for (int i = 0; i < bins.length; i++) {
      int h = (int) Math.round((double) plotH * bins[i] / max);
      if (bins[i] > 0) {
        h = Math.max(h, 1);
      }
      double x = left + i * barW + 1;
      double lo = (double) i / bins.length;
      double hi = (double) (i + 1) / bins.length;
      String range =
          num(lo, 2) + (i == bins.length - 1 ? "\u20131.00" : "\u2013" + num(hi, 2) + " (excl.)");
      svg.rectTitled(
          range + ": " + count(bins[i]) + " accounts",
          "class",
          "bar score-bin",
          "x",
          num(x, 1),
          "y",
          baseline - h,
          "width",
          num(barW - 2, 1),
          "height",
          h,
          "fill",
          "#6a8caf");
      if (bins[i] > 0) {
        svg.text(
            bins[i],
            "x",
            num(x + barW / 2 - 1, 1),
            "y",
            baseline - h - 3,
            "text-anchor",
            "middle",
            "font-size",
            "10");
      }
      svg.newline();
      if (i % 2 == 0) {
        svg.text(
                num(lo, 1),
                "x",
                num(left + i * barW, 1),
                "y",
                baseline + 16,
                "text-anchor",
                "middle")
            .newline();
      }
    }
    svg.text("1.0", "x", left + plotW, "y", baseline + 16, "text-anchor", "middle").newline();
    svg.text("risk_score", "x", left + plotW / 2, "y", baseline + 34, "text-anchor", "middle")
        .newline();
    svg.close();
  }

  // ---- clusters

  private static void clustersSection(StringBuilder s, ReportModel m) {
    s.append("<section id=\"clusters\">\n<h2>Top clusters</h2>\n");
    if (m.clusters().isEmpty()) {
      s.append("<p class=\"note\">cluster_risk has no cluster for this run date.</p>\n");
      s.append("</section>\n");
      return;
    }
    s.append("<p>The ")
        .append(m.clusters().size())
        .append(" highest-risk of ")
        .append(count(m.clustersScored()))
        .append(" clusters. Each graph links the cluster's accounts (left, coloured by tier) to ")
        .append("the attributes their link evidence shares (right, coloured by kind); at most ")
        .append(MAX_GRAPH_ACCOUNTS)
        .append(" accounts and ")
        .append(MAX_GRAPH_ATTRIBUTES)
        .append(" attributes, the most connected, are drawn.</p>\n");
    s.append("<table class=\"cluster-index\">\n<tr><th class=\"n\">#</th><th>cluster</th>")
        .append("<th class=\"n\">size</th><th class=\"n\">score</th><th>tier</th>")
        .append("<th class=\"n\">shared IPs</th><th class=\"n\">devices</th>")
        .append("<th class=\"n\">payouts</th><th>claimed countries</th>")
        .append("<th>fitted working hours</th></tr>\n");
    int i = 1;
    for (ClusterView c : m.clusters()) {
      s.append("<tr><td class=\"n\">")
          .append(i)
          .append("</td><td class=\"id\"><a href=\"#cluster-")
          .append(i)
          .append("\">")
          .append(escape(c.clusterId()))
          .append("</a></td><td class=\"n\">")
          .append(count(c.size()))
          .append("</td><td class=\"n\">")
          .append(num(c.riskScore(), 3))
          .append("</td><td>")
          .append(tierBadge(c.riskTier()))
          .append("</td><td class=\"n\">")
          .append(orDash(c.sharedIps()))
          .append("</td><td class=\"n\">")
          .append(orDash(c.sharedDevices()))
          .append("</td><td class=\"n\">")
          .append(orDash(c.sharedPayouts()))
          .append("</td><td>")
          .append(escape(String.join(", ", c.claimedCountries())))
          .append("</td><td>")
          .append(escape(c.workingHoursTimezone()))
          .append("</td></tr>\n");
      i++;
    }
    s.append("</table>\n");
    i = 1;
    for (ClusterView c : m.clusters()) {
      cluster(s, m, c, i++);
    }
    s.append("</section>\n");
  }

  private static String orDash(Long n) {
    return n == null ? "\u2013" : count(n);
  }

  private static void cluster(StringBuilder s, ReportModel m, ClusterView c, int rank) {
    s.append("<section class=\"cluster\" id=\"cluster-")
        .append(rank)
        .append("\" data-cluster-id=\"")
        .append(escape(c.clusterId()))
        .append("\">\n<h3>")
        .append(rank)
        .append(". Cluster <span class=\"id cluster-id\">")
        .append(escape(c.clusterId()))
        .append("</span> ")
        .append(tierBadge(c.riskTier()))
        .append("</h3>\n");
    s.append("<p>Risk ")
        .append(num(c.riskScore(), 3))
        .append(", ")
        .append(count(c.size()))
        .append(" accounts; shares ")
        .append(orDash(c.sharedIps()))
        .append(" IPs, ")
        .append(orDash(c.sharedDevices()))
        .append(" devices, ")
        .append(orDash(c.sharedPayouts()))
        .append(" payout methods; claims ")
        .append(c.claimedCountries().isEmpty() ? "no country" : "")
        .append(escape(String.join(", ", c.claimedCountries())))
        .append(".</p>\n");
    if (!c.reasons().isEmpty()) {
      s.append("<ul class=\"reasons\">\n");
      for (Reason r : c.reasons()) {
        s.append("<li><code>")
            .append(escape(r.code()))
            .append("</code> ")
            .append(escape(reasonText(r)))
            .append(r.weight() == null ? "" : " <span class=\"note\">(" + num(r.weight(), 2) + ")")
            .append(r.weight() == null ? "" : "</span>")
            .append("</li>\n");
      }
      s.append("</ul>\n");
    }
    ClusterGraph g = c.graph().capped(MAX_GRAPH_ACCOUNTS, MAX_GRAPH_ATTRIBUTES);
    s.append(GraphSvg.render(g, "Link evidence of cluster " + c.clusterId()));
    s.append("<h3>Logins by hour of day</h3>\n");
    s.append(heatmap(c, m));
    s.append("</section>\n");
  }

  /** The reason's text without a leading repeat of its code ("CODE: ..."). */
  static String reasonText(Reason r) {
    String text = r.text() == null ? "" : r.text();
    String code = r.code() == null ? "" : r.code();
    if (!code.isEmpty() && text.startsWith(code + ":")) {
      return text.substring(code.length() + 1).strip();
    }
    return text;
  }

  /** Interpolates white to dark red by {@code t} in 0..1. */
  static String heat(double t) {
    t = Math.max(0, Math.min(1, t));
    int r = (int) Math.round(255 + (103 - 255) * t);
    int g = (int) Math.round(245 + (0 - 245) * t);
    int b = (int) Math.round(240 + (13 - 240) * t);
    return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
  }

  /** One hour's cell of a heatmap row, with its tooltip when {@code title} is not null. */
  private static void heatCell(
      Svg svg, String cssClass, int hour, int y, String fill, String title) {
    svg.rectTitled(
        title,
        "class",
        cssClass,
        "data-hour",
        hour,
        "x",
        LABEL_WIDTH + hour * CELL,
        "y",
        y,
        "width",
        CELL - 1,
        "height",
        HEAT_ROW - 2,
        "fill",
        fill);
  }

  /**
   * The cluster's logins per UTC hour over the window, then one row per claimed timezone marking
   * the UTC hours that are 9-18 local time there, then the same for the fitted working-hours
   * offset.
   */
  static String heatmap(ClusterView c, ReportModel m) {
    long[] hours = c.loginsByUtcHour();
    long total = 0;
    long max = 0;
    for (long h : hours) {
      total += h;
      max = Math.max(max, h);
    }

    List<boolean[]> masks = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    for (ClaimedZone z : c.claimedZones()) {
      boolean[] mask =
          HourMask.forZone(z.timezone(), m.runDate(), HourMask.DAY_START, HourMask.DAY_END);
      String who = z.accounts() + (z.accounts() == 1 ? " account" : " accounts");
      if (mask == null) {
        labels.add(
            "claimed "
                + (z.timezone() == null || z.timezone().isBlank()
                    ? "(none)"
                    : "'" + Html.shorten(z.timezone(), 28) + "' (unknown zone)")
                + " \u00b7 "
                + who);
        masks.add(new boolean[24]);
      } else {
        labels.add(
            "claimed "
                + Html.shorten(z.timezone(), 28)
                + " \u00b7 "
                + who
                + " \u00b7 "
                + Html.percent(HourMask.share(hours, mask)));
        masks.add(mask);
      }
      classes.add("claimed");
    }
    if (c.workingHoursOffset() != null) {
      boolean[] mask =
          HourMask.forOffset(c.workingHoursOffset(), HourMask.DAY_START, HourMask.DAY_END);
      labels.add(
          "fitted "
              + (c.workingHoursTimezone() == null
                  ? com.cohortwatch.values.UtcOffset.label(c.workingHoursOffset())
                  : c.workingHoursTimezone())
              + " \u00b7 "
              + Html.percent(HourMask.share(hours, mask))
              + (c.workingHoursFit() == null
                  ? ""
                  : " \u00b7 scored fit " + Html.percent(c.workingHoursFit())));
      masks.add(mask);
      classes.add("fitted");
    }
    int width = LABEL_WIDTH + 24 * CELL + 10;
    int top = 20;
    int height = top + (1 + masks.size()) * HEAT_ROW + 8;
    StringBuilder s = new StringBuilder();
    Svg svg = Svg.open(s, "heatmap", width, height);
    for (int h = 0; h < 24; h++) {
      svg.text(
          h,
          "x",
          LABEL_WIDTH + h * CELL + CELL / 2,
          "y",
          top - 6,
          "text-anchor",
          "middle",
          "font-size",
          "10");
    }
    svg.newline();
    int y = top;
    svg.text(
            "logins by UTC hour \u00b7 " + count(total),
            "x",
            LABEL_WIDTH - 8,
            "y",
            y + 15,
            "text-anchor",
            "end")
        .newline();
    for (int h = 0; h < 24; h++) {
      heatCell(
          svg,
          "cell logins",
          h,
          y,
          hours[h] == 0 ? "#f4f4f4" : heat(max == 0 ? 0 : (double) hours[h] / max),
          String.format(Locale.ROOT, "%02d:00-%02d:59 UTC: ", h, h) + count(hours[h]) + " logins");
    }
    svg.newline();
    for (int r = 0; r < masks.size(); r++) {
      y += HEAT_ROW;
      boolean fitted = classes.get(r).equals("fitted");
      svg.text(labels.get(r), "x", LABEL_WIDTH - 8, "y", y + 15, "text-anchor", "end").newline();
      boolean[] mask = masks.get(r);
      for (int h = 0; h < 24; h++) {
        heatCell(
            svg,
            "cell " + classes.get(r) + (mask[h] ? " work" : ""),
            h,
            y,
            mask[h] ? (fitted ? "#41ab5d" : "#6baed6") : "#f4f4f4",
            null);
      }
      svg.newline();
    }
    svg.close();
    StringBuilder note =
        new StringBuilder("<p class=\"note\">Coloured cells in the timezone rows: ");
    note.append("the UTC hours that are 09:00\u201318:00 local time there on ")
        .append(escape(m.runDate()))
        .append("; the percentage is the share of the cluster's logins in those hours. The")
        .append(" fitted timezone is the UTC offset whose working day best covers the logins;")
        .append(" its scored fit is the share scoring counted inside the longer working day it")
        .append(" uses (docs/MODEL.md).");
    if (c.zonesTotal() > c.claimedZones().size()) {
      note.append(" ")
          .append(c.zonesTotal() - c.claimedZones().size())
          .append(" more claimed timezones not shown.");
    }
    if (total == 0) {
      note.append(" No bronze login of these members falls in the window.");
    }
    note.append("</p>\n");
    return s.append(note).toString();
  }
}
