package com.cohortwatch.report;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A cluster's evidence as a bipartite graph: its accounts on one side, the shared attributes (an
 * IP, a subnet, a device, a payout method, a co-login address) on the other, and an edge wherever
 * link_evidence names the account with the attribute.
 *
 * @param accounts the account nodes drawn
 * @param attributes the attribute nodes drawn
 * @param edges edges between drawn nodes only
 * @param totalAccounts the cluster's size (members, with or without drawn evidence)
 * @param totalAttributes the distinct attributes in the cluster's evidence
 */
public record ClusterGraph(
    List<AccountNode> accounts,
    List<AttributeNode> attributes,
    List<Edge> edges,
    long totalAccounts,
    long totalAttributes) {

  /**
   * @param degree distinct attributes the account shares inside the cluster
   * @param riskTier the account's tier on the run date, or null
   */
  public record AccountNode(String accountId, long degree, String riskTier, Double riskScore) {}

  /**
   * @param degree distinct accounts of the cluster that share it
   */
  public record AttributeNode(String linkType, String value, long degree) {
    AttributeKey key() {
      return new AttributeKey(linkType, value);
    }
  }

  public record AttributeKey(String linkType, String value) {}

  public record Edge(String accountId, String linkType, String attribute) {
    AttributeKey attributeKey() {
      return new AttributeKey(linkType, attribute);
    }
  }

  public static ClusterGraph empty(long totalAccounts) {
    return new ClusterGraph(List.of(), List.of(), List.of(), totalAccounts, 0);
  }

  /** Highest degree first, then by id: the order nodes are kept in when a graph is capped. */
  static final Comparator<AccountNode> ACCOUNT_ORDER =
      Comparator.comparingLong(AccountNode::degree)
          .reversed()
          .thenComparing(AccountNode::accountId, Comparator.nullsLast(Comparator.naturalOrder()));

  static final Comparator<AttributeNode> ATTRIBUTE_ORDER =
      Comparator.comparingLong(AttributeNode::degree)
          .reversed()
          .thenComparing(AttributeNode::linkType, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(AttributeNode::value, Comparator.nullsLast(Comparator.naturalOrder()));

  public long hiddenAccounts() {
    return Math.max(0, totalAccounts - accounts.size());
  }

  public long hiddenAttributes() {
    return Math.max(0, totalAttributes - attributes.size());
  }

  /**
   * At most {@code maxAccounts} accounts and {@code maxAttributes} attributes, those of highest
   * degree (ties by id), with the edges between them; the totals are kept, so the hidden rest can
   * be shown as "+N more".
   */
  public ClusterGraph capped(int maxAccounts, int maxAttributes) {
    List<AccountNode> keptAccounts =
        accounts.stream().sorted(ACCOUNT_ORDER).limit(Math.max(0, maxAccounts)).toList();
    List<AttributeNode> keptAttributes =
        attributes.stream().sorted(ATTRIBUTE_ORDER).limit(Math.max(0, maxAttributes)).toList();
    Set<String> accountIds = new HashSet<>();
    keptAccounts.forEach(a -> accountIds.add(a.accountId()));
    Set<AttributeKey> attributeKeys = new HashSet<>();
    keptAttributes.forEach(a -> attributeKeys.add(a.key()));
    List<Edge> keptEdges =
        edges.stream()
            .filter(e -> accountIds.contains(e.accountId()))
            .filter(e -> attributeKeys.contains(e.attributeKey()))
            .distinct()
            .toList();
    return new ClusterGraph(
        keptAccounts,
        keptAttributes,
        keptEdges,
        Math.max(totalAccounts, accounts.size()),
        Math.max(totalAttributes, attributes.size()));
  }
}
