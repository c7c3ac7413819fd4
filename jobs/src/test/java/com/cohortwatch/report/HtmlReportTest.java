package com.cohortwatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.report.ClusterGraph.AccountNode;
import com.cohortwatch.report.ClusterGraph.AttributeNode;
import com.cohortwatch.report.ClusterGraph.Edge;
import com.cohortwatch.report.ReportModel.ClaimedZone;
import com.cohortwatch.report.ReportModel.ClusterView;
import com.cohortwatch.report.ReportModel.QuarantineCount;
import com.cohortwatch.report.ReportModel.Reason;
import com.cohortwatch.report.ReportModel.RunInfo;
import com.cohortwatch.report.ReportModel.ScoreDistribution;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The HTML rendering on hand-made models: no Spark. */
class HtmlReportTest {
  private static final LocalDate NOV_20 = LocalDate.of(2026, 11, 20);

  private static List<Integer> hours(boolean[] mask) {
    List<Integer> out = new ArrayList<>();
    for (int h = 0; h < mask.length; h++) {
      if (mask[h]) {
        out.add(h);
      }
    }
    return out;
  }

  private static List<Integer> range(int fromInclusive, int toInclusive) {
    List<Integer> out = new ArrayList<>();
    for (int h = fromInclusive; h <= toInclusive; h++) {
      out.add(h);
    }
    return out;
  }

  @Test
  void escapesMarkupQuotesAndControlCharacters() {
    assertThat(Html.escape("<b a=\"1\" b='2'>&amp;</b>"))
        .isEqualTo("&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;amp;&lt;/b&gt;");
    assertThat(Html.escape("a\u0000b\u001bc")).isEqualTo("a\uFFFDb\uFFFDc");
    assertThat(Html.escape(null)).isEmpty();
    assertThat(Html.cssToken("co_login\"><x")).isEqualTo("co_login---x");
  }

  @Test
  void officeHoursOfAClaimedZoneInUtcFollowDaylightSaving() {
    // New York is UTC-5 in November, UTC-4 in July: 09:00-18:00 local is 14-22 / 13-21 UTC.
    assertThat(hours(HourMask.forZone("America/New_York", NOV_20, 9, 18))).isEqualTo(range(14, 22));
    assertThat(hours(HourMask.forZone("America/New_York", LocalDate.of(2026, 7, 1), 9, 18)))
        .isEqualTo(range(13, 21));
    // Tokyo (UTC+9): 0-8 UTC; the fixed-offset mask of the fitted timezone agrees.
    assertThat(hours(HourMask.forZone("Asia/Tokyo", NOV_20, 9, 18))).isEqualTo(range(0, 8));
    assertThat(HourMask.forOffset(9, 9, 18))
        .isEqualTo(HourMask.forZone("Asia/Tokyo", NOV_20, 9, 18));
    assertThat(HourMask.forOffset(-5, 9, 18))
        .isEqualTo(HourMask.forZone("America/New_York", NOV_20, 9, 18));
    // Half-hour zone: an UTC hour counts when it starts inside the office day (04:00 UTC = 09:30).
    assertThat(hours(HourMask.forZone("Asia/Kolkata", NOV_20, 9, 18))).isEqualTo(range(4, 12));
    assertThat(HourMask.forZone("Mars/Olympus_Mons", NOV_20, 9, 18)).isNull();
    assertThat(HourMask.forZone(" ", NOV_20, 9, 18)).isNull();

    long[] tokyoDay = new long[24];
    for (int h = 0; h <= 8; h++) {
      tokyoDay[h] = 10;
    }
    tokyoDay[23] = 10;
    assertThat(HourMask.share(tokyoDay, HourMask.forOffset(9, 9, 18))).isEqualTo(0.9);
    assertThat(HourMask.share(tokyoDay, HourMask.forZone("America/New_York", NOV_20, 9, 18)))
        .isZero();
  }

  private static List<Integer> markedHours(String svg, String rowClass) {
    Matcher m =
        Pattern.compile("<rect class=\"cell " + rowClass + " work\" data-hour=\"(\\d+)\"")
            .matcher(svg);
    List<Integer> out = new ArrayList<>();
    while (m.find()) {
      out.add(Integer.parseInt(m.group(1)));
    }
    return out;
  }

  @Test
  void heatmapMarksTheClaimedAndFittedOfficeHours() {
    long[] logins = new long[24];
    for (int h = 0; h <= 8; h++) {
      logins[h] = 5;
    }
    ClusterView c =
        cluster(
            "c1",
            ClusterGraph.empty(3),
            logins,
            List.of(new ClaimedZone("America/New_York", 3)),
            9,
            "UTC+9");
    String svg = HtmlReport.heatmap(c, model(List.of(c)));
    assertThat(markedHours(svg, "claimed")).isEqualTo(range(14, 22));
    assertThat(markedHours(svg, "fitted")).isEqualTo(range(0, 8));
    assertThat(svg).contains("claimed America/New_York \u00b7 3 accounts \u00b7 0 %");
    assertThat(svg).contains("fitted UTC+9 \u00b7 100 % \u00b7 scored fit 91 %");
    assertThat(svg).contains("logins by UTC hour \u00b7 45");
    // 24 login cells, the busiest the darkest.
    assertThat(svg.split("<rect class=\"cell logins\"", -1)).hasSize(25);
    assertThat(svg).contains("fill=\"" + HtmlReport.heat(1.0) + "\"><title>00:00-00:59 UTC: 5");
  }

  private static ClusterGraph bigGraph(int accounts, int attributes, long members) {
    List<AccountNode> accs = new ArrayList<>();
    List<AttributeNode> attrs = new ArrayList<>();
    List<Edge> edges = new ArrayList<>();
    for (int i = 0; i < attributes; i++) {
      attrs.add(new AttributeNode(i % 2 == 0 ? "ip" : "device", "attr-" + i, 1 + i % 5));
    }
    for (int i = 0; i < accounts; i++) {
      String id = String.format("acct-%03d", i);
      accs.add(new AccountNode(id, i, i % 3 == 0 ? "critical" : "high", 0.9));
      for (int j = 0; j < attributes; j += 1 + i % 7) {
        edges.add(new Edge(id, j % 2 == 0 ? "ip" : "device", "attr-" + j));
      }
    }
    return new ClusterGraph(accs, attrs, edges, members, attributes);
  }

  @Test
  void aBigGraphIsCappedToTheMostConnectedNodesWithTheRestCounted() {
    ClusterGraph g = bigGraph(50, 40, 60).capped(30, 30);
    assertThat(g.accounts()).hasSize(30);
    assertThat(g.attributes()).hasSize(30);
    // Highest degree kept: accounts 20..49 (degree = index).
    assertThat(g.accounts()).allMatch(a -> a.degree() >= 20);
    assertThat(g.hiddenAccounts()).isEqualTo(30); // 60 members, 30 drawn
    assertThat(g.hiddenAttributes()).isEqualTo(10);
    assertThat(g.edges())
        .isNotEmpty()
        .allMatch(e -> g.accounts().stream().anyMatch(a -> a.accountId().equals(e.accountId())))
        .allMatch(e -> g.attributes().stream().anyMatch(a -> a.key().equals(e.attributeKey())));

    String svg = GraphSvg.render(g, "cluster c");
    assertThat(svg.split("<circle class=\"node account\"", -1)).hasSize(31);
    assertThat(svg.split("<circle class=\"node attribute", -1)).hasSize(31);
    assertThat(svg.split("<line class=\"edge edge-", -1)).hasSize(g.edges().size() + 1);
    assertThat(svg).contains("+30 more accounts").contains("+10 more attributes");

    // A small graph is drawn whole, with no "+N more".
    ClusterGraph small = bigGraph(4, 3, 4).capped(30, 30);
    assertThat(small.accounts()).hasSize(4);
    assertThat(GraphSvg.render(small, "c"))
        .doesNotContain("more accounts")
        .doesNotContain("more attributes");
  }

  @Test
  void layoutIsDeterministicWhateverTheInputOrder() {
    ClusterGraph g = bigGraph(12, 9, 12);
    List<AccountNode> accs = new ArrayList<>(g.accounts());
    List<AttributeNode> attrs = new ArrayList<>(g.attributes());
    List<Edge> edges = new ArrayList<>(g.edges());
    Collections.shuffle(accs, new Random(7));
    Collections.shuffle(attrs, new Random(8));
    Collections.shuffle(edges, new Random(9));
    ClusterGraph shuffled = new ClusterGraph(accs, attrs, edges, 12, 9);
    assertThat(GraphSvg.render(shuffled, "c")).isEqualTo(GraphSvg.render(g, "c"));
    // Attributes are grouped by kind: every device before every ip.
    GraphSvg.Layout l = GraphSvg.layout(g);
    int lastDevice = -1;
    int firstIp = Integer.MAX_VALUE;
    for (AttributeNode a : l.attributes()) {
      int y = l.attributeY().get(a.key());
      if (a.linkType().equals("device")) {
        lastDevice = Math.max(lastDevice, y);
      } else {
        firstIp = Math.min(firstIp, y);
      }
    }
    assertThat(lastDevice).isLessThan(firstIp);
  }

  @Test
  void everythingFromDataIsEscapedAndThePageFetchesNothing() {
    String evil = "<img src=x onerror=alert(1)>";
    ClusterGraph g =
        new ClusterGraph(
            List.of(new AccountNode("acct\"><script>alert(1)</script>", 1, "high", 0.8)),
            List.of(new AttributeNode("ip", "</svg><iframe src=//evil>", 1)),
            List.of(
                new Edge("acct\"><script>alert(1)</script>", "ip", "</svg><iframe src=//evil>")),
            1,
            1);
    ClusterView c =
        new ClusterView(
            evil,
            1,
            0.97,
            "critical",
            List.of(new Reason("SHARED<b>", "text & <i>more</i>", 0.5)),
            1L,
            0L,
            0L,
            List.of("US<u>"),
            9,
            "UTC+9<br>",
            0.9,
            g,
            new long[24],
            List.of(new ClaimedZone("Europe/<Evil>", 1)),
            1);
    Map<String, Long> read = new LinkedHashMap<>();
    read.put("logins<x>", 10L);
    RunInfo run =
        new RunInfo(
            "run-1",
            "run",
            "succeeded",
            Instant.parse("2026-11-20T01:00:00Z"),
            Instant.parse("2026-11-20T01:02:00Z"),
            "note <script>",
            Map.of("ingest", 3.0),
            read,
            Map.of(),
            Map.of(),
            0L,
            0L);
    ReportModel m =
        new ReportModel(
            NOV_20,
            "/tmp/<wh>",
            30,
            List.of(run),
            List.of(new QuarantineCount("logins", "BAD_IP <x>", 2)),
            new ScoreDistribution(new long[ScoreDistribution.BINS], Map.of("critical", 1L)),
            1,
            List.of(c));
    String html = HtmlReport.render(m);
    assertThat(html)
        .doesNotContain("<img")
        .doesNotContain("<script")
        .doesNotContain("<iframe")
        .doesNotContain("<b>")
        .doesNotContain("<br>")
        .doesNotContain("<Evil>")
        .contains("&lt;img src=x onerror=alert(1)&gt;")
        .contains("data-cluster-id=\"&lt;img src=x onerror=alert(1)&gt;\"")
        .contains("acct&quot;&gt;&lt;script&gt;")
        .contains("&lt;/svg&gt;&lt;iframe")
        .contains("text &amp; &lt;i&gt;more&lt;/i&gt;")
        .contains("BAD_IP &lt;x&gt;")
        .contains("Europe/&lt;Evil&gt;")
        .contains("/tmp/&lt;wh&gt;");
    assertSelfContained(html);
  }

  /** No script, stylesheet, font, image or frame to fetch: only in-page anchors. */
  static void assertSelfContained(String html) {
    assertThat(html)
        .doesNotContainIgnoringCase("<script")
        .doesNotContainIgnoringCase("<link")
        .doesNotContainIgnoringCase(" src=\"")
        .doesNotContainIgnoringCase("url(")
        .doesNotContainIgnoringCase("@import")
        .doesNotContainIgnoringCase("http://")
        .doesNotContainIgnoringCase("https://");
    Matcher hrefs = Pattern.compile("href=\"([^\"]*)\"").matcher(html);
    while (hrefs.find()) {
      assertThat(hrefs.group(1)).startsWith("#");
    }
  }

  private static ClusterView cluster(
      String id,
      ClusterGraph graph,
      long[] logins,
      List<ClaimedZone> zones,
      Integer offset,
      String tz) {
    return new ClusterView(
        id,
        graph.totalAccounts(),
        0.9,
        "critical",
        List.of(),
        1L,
        1L,
        0L,
        List.of("US"),
        offset,
        tz,
        0.91,
        graph,
        logins,
        zones,
        zones.size());
  }

  private static ReportModel model(List<ClusterView> clusters) {
    return new ReportModel(
        NOV_20,
        "/wh",
        30,
        List.of(),
        List.of(),
        new ScoreDistribution(new long[ScoreDistribution.BINS], Map.of()),
        clusters.size(),
        clusters);
  }
}
