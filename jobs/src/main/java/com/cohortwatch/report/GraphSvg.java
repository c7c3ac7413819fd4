package com.cohortwatch.report;

import static com.cohortwatch.report.Html.escape;

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
    s.append("<svg class=\"cluster-graph\" role=\"img\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(l.height())
        .append("\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(l.height())
        .append("\" aria-label=\"")
        .append(escape(caption))
        .append("\">\n");
    s.append("<title>").append(escape(caption)).append("</title>\n");
    legend(s, g);
    s.append("<text class=\"column-head\" x=\"")
        .append(ACCOUNT_X)
        .append("\" y=\"")
        .append(TOP - 14)
        .append("\" text-anchor=\"middle\">accounts</text>\n");
    s.append("<text class=\"column-head\" x=\"")
        .append(ATTRIBUTE_X)
        .append("\" y=\"")
        .append(TOP - 14)
        .append("\" text-anchor=\"middle\">shared attributes</text>\n");
    if (l.accounts().isEmpty()) {
      s.append("<text class=\"empty\" x=\"")
          .append(WIDTH / 2)
          .append("\" y=\"")
          .append(TOP + ROW)
          .append("\" text-anchor=\"middle\">no link evidence for this cluster</text>\n");
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
    s.append("<g class=\"edges\" stroke-opacity=\"")
        .append(Html.num(edgeOpacity(rows.size()), 2))
        .append("\">\n");
    for (int[] row : rows) {
      Edge e = ordered.get(row[2]);
      int y1 = row[0];
      int y2 = row[1];
      s.append("<line class=\"edge edge-")
          .append(Html.cssToken(e.linkType()))
          .append("\" x1=\"")
          .append(ACCOUNT_X)
          .append("\" y1=\"")
          .append(y1)
          .append("\" x2=\"")
          .append(ATTRIBUTE_X)
          .append("\" y2=\"")
          .append(y2)
          .append("\" stroke=\"")
          .append(linkColour(e.linkType()))
          .append("\"><title>")
          .append(escape(e.accountId() + " \u2013 " + e.linkType() + " " + e.attribute()))
          .append("</title></line>\n");
    }
    s.append("</g>\n");
    for (AccountNode a : l.accounts()) {
      int y = l.accountY().get(a.accountId());
      s.append("<g class=\"account-node\"><circle class=\"node account\" cx=\"")
          .append(ACCOUNT_X)
          .append("\" cy=\"")
          .append(y)
          .append("\" r=\"")
          .append(RADIUS)
          .append("\" fill=\"")
          .append(tierColour(a.riskTier()))
          .append("\"><title>")
          .append(escape(accountTitle(a)))
          .append("</title></circle><text x=\"")
          .append(ACCOUNT_X - RADIUS - 6)
          .append("\" y=\"")
          .append(y + 4)
          .append("\" text-anchor=\"end\">")
          .append(escape(Html.shorten(a.accountId(), 32)))
          .append("</text></g>\n");
    }
    for (AttributeNode a : l.attributes()) {
      int y = l.attributeY().get(a.key());
      s.append("<g class=\"attribute-node\"><circle class=\"node attribute attribute-")
          .append(Html.cssToken(a.linkType()))
          .append("\" cx=\"")
          .append(ATTRIBUTE_X)
          .append("\" cy=\"")
          .append(y)
          .append("\" r=\"")
          .append(RADIUS)
          .append("\" fill=\"")
          .append(linkColour(a.linkType()))
          .append("\"><title>")
          .append(escape(a.linkType() + " " + a.value() + " \u2013 shared by " + a.degree()))
          .append("</title></circle><text x=\"")
          .append(ATTRIBUTE_X + RADIUS + 6)
          .append("\" y=\"")
          .append(y + 4)
          .append("\">")
          .append(escape(attributeLabel(a)))
          .append("</text></g>\n");
    }
    int bottom = l.height() - 14;
    if (g.hiddenAccounts() > 0) {
      s.append("<text class=\"more more-accounts\" x=\"")
          .append(ACCOUNT_X)
          .append("\" y=\"")
          .append(bottom)
          .append("\" text-anchor=\"middle\">+")
          .append(g.hiddenAccounts())
          .append(" more accounts</text>\n");
    }
    if (g.hiddenAttributes() > 0) {
      s.append("<text class=\"more more-attributes\" x=\"")
          .append(ATTRIBUTE_X)
          .append("\" y=\"")
          .append(bottom)
          .append("\" text-anchor=\"middle\">+")
          .append(g.hiddenAttributes())
          .append(" more attributes</text>\n");
    }
    s.append("</svg>\n");
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
  private static void legend(StringBuilder s, ClusterGraph g) {
    Set<String> kinds = new LinkedHashSet<>();
    g.attributes().stream()
        .map(AttributeNode::linkType)
        .sorted(Comparator.comparingInt(GraphSvg::kindRank).thenComparing(k -> k == null ? "" : k))
        .forEach(kinds::add);
    int x = 10;
    for (String k : kinds) {
      s.append("<g class=\"legend\"><line x1=\"")
          .append(x)
          .append("\" y1=\"10\" x2=\"")
          .append(x + 22)
          .append("\" y2=\"10\" stroke=\"")
          .append(linkColour(k))
          .append("\" stroke-width=\"3\"></line><text x=\"")
          .append(x + 28)
          .append("\" y=\"14\">")
          .append(escape(k))
          .append("</text></g>");
      x += 40 + 8 * (k == null ? 4 : Math.min(k.length(), 16));
    }
    s.append('\n');
  }
}
