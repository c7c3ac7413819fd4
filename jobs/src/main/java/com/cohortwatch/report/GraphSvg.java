package com.cohortwatch.report;

import com.cohortwatch.report.ClusterGraph.AccountNode;
import com.cohortwatch.report.ClusterGraph.AttributeKey;
import com.cohortwatch.report.ClusterGraph.AttributeNode;
import com.cohortwatch.report.ClusterGraph.Edge;
import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.RiskTier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Draws a {@link ClusterGraph} as inline SVG, laid out deterministically: accounts in a column on
 * the left (most connected first), attributes in a column on the right grouped by kind and, within
 * a kind, ordered by the mean position of their accounts so that edges cross little.
 */
final class GraphSvg {
  private GraphSvg() {}

  static final int WIDTH = 980;
  static final int ROW = 22;
  static final int TOP = 44;
  static final int ACCOUNT_X = 250;
  static final int ATTRIBUTE_X = WIDTH - 300;
  static final int RADIUS = 6;

  /** Kinds of link in the order their attributes are listed, with their colour. */
  static final Map<String, String> LINK_COLOURS = new java.util.LinkedHashMap<>();

  static {
    LINK_COLOURS.put(AttributeKind.PAYOUT.value(), "#7b3fb0");
    LINK_COLOURS.put(AttributeKind.DEVICE.value(), "#d62728");
    LINK_COLOURS.put(AttributeKind.IP.value(), "#1f77b4");
    LINK_COLOURS.put(AttributeKind.SUBNET.value(), "#17a2b8");
    LINK_COLOURS.put(AttributeKind.CO_LOGIN.value(), "#ff7f0e");
    LINK_COLOURS.put(AttributeKind.COHORT.value(), "#9467bd");
  }

  static final String OTHER_COLOUR = "#7f7f7f";

  static final Map<String, String> TIER_COLOURS =
      Map.of(
          RiskTier.CRITICAL.value(), "#b30000",
          RiskTier.HIGH.value(), "#e34a33",
          RiskTier.MEDIUM.value(), "#fdae61",
          RiskTier.LOW.value(), "#9ecae1");

  static String linkColour(String linkType) {
    return LINK_COLOURS.getOrDefault(linkType, OTHER_COLOUR);
  }

  static String tierColour(String tier) {
    return tier == null ? "#cccccc" : TIER_COLOURS.getOrDefault(tier, "#cccccc");
  }

  private static int kindRank(String linkType) {
    int i = 0;
    for (String k : LINK_COLOURS.keySet()) {
      if (k.equals(linkType)) {
        return i;
      }
      i++;
    }
    return i;
  }

  /** Where every drawn node goes: the layout, separate from drawing so it can be tested. */
  record Layout(
      List<AccountNode> accounts,
      List<AttributeNode> attributes,
      Map<String, Integer> accountY,
      Map<AttributeKey, Integer> attributeY,
      int height) {}

  static Layout layout(ClusterGraph g) {
    List<AccountNode> accounts = new ArrayList<>(g.accounts());
    accounts.sort(ClusterGraph.ACCOUNT_ORDER);
    Map<String, Integer> accountIndex = new HashMap<>();
    for (int i = 0; i < accounts.size(); i++) {
      accountIndex.put(accounts.get(i).accountId(), i);
    }
    Map<AttributeKey, double[]> barycentre = new HashMap<>();
    for (Edge e : g.edges()) {
      Integer i = accountIndex.get(e.accountId());
      if (i != null) {
        double[] sumCount = barycentre.computeIfAbsent(e.attributeKey(), k -> new double[2]);
        sumCount[0] += i;
        sumCount[1] += 1;
      }
    }
    List<AttributeNode> attributes = new ArrayList<>(g.attributes());
    attributes.sort(
        Comparator.comparingInt((AttributeNode a) -> kindRank(a.linkType()))
            .thenComparing(a -> a.linkType() == null ? "" : a.linkType())
            .thenComparingDouble(
                a -> {
                  double[] sc = barycentre.get(a.key());
                  return sc == null ? Double.MAX_VALUE : sc[0] / sc[1];
                })
            .thenComparing(a -> a.value() == null ? "" : a.value()));
    int rows = Math.max(accounts.size(), attributes.size());
    int accountTop = TOP + (rows - accounts.size()) * ROW / 2;
    int attributeTop = TOP + (rows - attributes.size()) * ROW / 2;
    Map<String, Integer> accountY = new HashMap<>();
    for (int i = 0; i < accounts.size(); i++) {
      accountY.put(accounts.get(i).accountId(), accountTop + i * ROW);
    }
    Map<AttributeKey, Integer> attributeY = new HashMap<>();
    for (int i = 0; i < attributes.size(); i++) {
      attributeY.put(attributes.get(i).key(), attributeTop + i * ROW);
    }
    int height = TOP + Math.max(1, rows) * ROW + 36;
    return new Layout(accounts, attributes, accountY, attributeY, height);
  }

  static String attributeLabel(AttributeNode a) {
    String kind = AttributeKind.CO_LOGIN.value().equals(a.linkType()) ? "co-login" : a.linkType();
    return kind + " " + Html.shorten(a.value(), 30);
  }

  /** The graph as one {@code <svg class="cluster-graph">} element. */
  static String render(ClusterGraph g, String caption) {
    Layout l = layout(g);
    StringBuilder s = new StringBuilder();
    Svg svg =
        Svg.open(
            s,
            "class",
            "cluster-graph",
            "role",
            "img",
            "width",
            WIDTH,
            "height",
            l.height(),
            "viewBox",
            "0 0 " + WIDTH + " " + l.height(),
            "aria-label",
            caption);
    svg.title(caption).newline();
    legend(svg, g);
    svg.text(
            "accounts",
            "class",
            "column-head",
            "x",
            ACCOUNT_X,
            "y",
            TOP - 14,
            "text-anchor",
            "middle")
        .newline();
    svg.text(
            "shared attributes",
            "class",
            "column-head",
            "x",
            ATTRIBUTE_X,
            "y",
            TOP - 14,
            "text-anchor",
            "middle")
        .newline();
    if (l.accounts().isEmpty()) {
      svg.text(
              "no link evidence for this cluster",
              "class",
              "empty",
              "x",
              WIDTH / 2,
              "y",
              TOP + ROW,
              "text-anchor",
              "middle")
          .newline();
    }
    // Edges in layout order (account row, then attribute row), not in the order they came.
    List<int[]> rows = new ArrayList<>();
    List<Edge> ordered = new ArrayList<>();
    Set<Edge> seen = new HashSet<>();
    for (Edge e : g.edges()) {
      Integer y1 = l.accountY().get(e.accountId());
      Integer y2 = l.attributeY().get(e.attributeKey());
      if (y1 != null && y2 != null && seen.add(e)) {
        rows.add(new int[] {y1, y2, ordered.size()});
        ordered.add(e);
      }
    }
    rows.sort(Comparator.<int[]>comparingInt(r -> r[0]).thenComparingInt(r -> r[1]));
    svg.group("class", "edges", "stroke-opacity", Html.num(edgeOpacity(rows.size()), 2)).newline();
    for (int[] row : rows) {
      Edge e = ordered.get(row[2]);
      svg.lineTitled(
              e.accountId() + " \u2013 " + e.linkType() + " " + e.attribute(),
              "class",
              "edge edge-" + Html.cssToken(e.linkType()),
              "x1",
              ACCOUNT_X,
              "y1",
              row[0],
              "x2",
              ATTRIBUTE_X,
              "y2",
              row[1],
              "stroke",
              linkColour(e.linkType()))
          .newline();
    }
    svg.endGroup().newline();
    for (AccountNode a : l.accounts()) {
      int y = l.accountY().get(a.accountId());
      svg.group("class", "account-node")
          .circleTitled(
              accountTitle(a),
              "class",
              "node account",
              "cx",
              ACCOUNT_X,
              "cy",
              y,
              "r",
              RADIUS,
              "fill",
              tierColour(a.riskTier()))
          .text(
              Html.shorten(a.accountId(), 32),
              "x",
              ACCOUNT_X - RADIUS - 6,
              "y",
              y + 4,
              "text-anchor",
              "end")
          .endGroup()
          .newline();
    }
    for (AttributeNode a : l.attributes()) {
      int y = l.attributeY().get(a.key());
      svg.group("class", "attribute-node")
          .circleTitled(
              a.linkType() + " " + a.value() + " \u2013 shared by " + a.degree(),
              "class",
              "node attribute attribute-" + Html.cssToken(a.linkType()),
              "cx",
              ATTRIBUTE_X,
              "cy",
              y,
              "r",
              RADIUS,
              "fill",
              linkColour(a.linkType()))
          .text(attributeLabel(a), "x", ATTRIBUTE_X + RADIUS + 6, "y", y + 4)
          .endGroup()
          .newline();
    }
    int bottom = l.height() - 14;
    if (g.hiddenAccounts() > 0) {
      svg.text(
              "+" + g.hiddenAccounts() + " more accounts",
              "class",
              "more more-accounts",
              "x",
              ACCOUNT_X,
              "y",
              bottom,
              "text-anchor",
              "middle")
          .newline();
    }
    if (g.hiddenAttributes() > 0) {
      svg.text(
              "+" + g.hiddenAttributes() + " more attributes",
              "class",
              "more more-attributes",
              "x",
              ATTRIBUTE_X,
              "y",
              bottom,
              "text-anchor",
              "middle")
          .newline();
    }
    svg.close();
    return s.toString();
  }

  /** Dense graphs get fainter edges, so that the nodes they share still stand out. */
  static double edgeOpacity(int edges) {
    return edges <= 40 ? 0.75 : Math.max(0.12, 0.75 * Math.sqrt(40.0 / edges));
  }

  private static String accountTitle(AccountNode a) {
    StringBuilder t = new StringBuilder(a.accountId() == null ? "" : a.accountId());
    if (a.riskScore() != null) {
      t.append(" \u2013 risk ").append(Html.num(a.riskScore(), 3));
    }
    if (a.riskTier() != null) {
      t.append(" (").append(a.riskTier()).append(')');
    }
    t.append(", ").append(a.degree()).append(" shared attributes");
    return t.toString();
  }

  /** Colour key of the link kinds present in this graph. */
  private static void legend(Svg svg, ClusterGraph g) {
    Set<String> kinds = new LinkedHashSet<>();
    g.attributes().stream()
        .map(AttributeNode::linkType)
        .sorted(Comparator.comparingInt(GraphSvg::kindRank).thenComparing(k -> k == null ? "" : k))
        .forEach(kinds::add);
    int x = 10;
    for (String k : kinds) {
      svg.group("class", "legend")
          .line(
              "x1", x, "y1", 10, "x2", x + 22, "y2", 10, "stroke", linkColour(k), "stroke-width", 3)
          .text(k, "x", x + 28, "y", 14)
          .endGroup();
      x += 40 + 8 * (k == null ? 4 : Math.min(k.length(), 16));
    }
    svg.newline();
  }
}
