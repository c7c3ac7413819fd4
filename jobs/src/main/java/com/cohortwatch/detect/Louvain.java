package com.cohortwatch.detect;

import java.util.Arrays;

/**
 * Weighted Louvain community detection (Blondel et al. 2008) on one small graph held in memory: the
 * accounts of one connected component. Several rings glued into one component by a shared VPN exit
 * or a stray co-login are dense inside and joined by a few light links; maximising weighted
 * modularity separates them, where connected components cannot.
 *
 * <p>Deterministic: nodes are visited in index order (the caller sorts them by id), a node moves
 * only for a strictly better gain, and ties go to the lower community index, so a rerun on the same
 * graph gives the same communities. A community never grows past {@code maxSize} nodes of weight,
 * which keeps the old guarantee that no cluster is larger than {@code cluster.max-size}.
 */
public final class Louvain {
  private Louvain() {}

  private static final double EPS = 1e-12;
  private static final int MAX_PASSES = 50;
  private static final int MAX_LEVELS = 20;

  /**
   * @param n number of nodes (0..n-1)
   * @param src edge sources
   * @param dst edge targets (an undirected edge is given once; self-loops are allowed)
   * @param weight edge weights (> 0)
   * @param nodeSize what each node counts towards {@code maxSize} (1 for an account, 0 for a hub)
   * @param resolution modularity resolution: above 1 gives smaller communities
   * @param maxSize the largest community, in summed node sizes
   * @return the community of each node, numbered 0.. in order of the community's lowest node
   */
  public static int[] communities(
      int n,
      int[] src,
      int[] dst,
      double[] weight,
      int[] nodeSize,
      double resolution,
      int maxSize) {
    int[] membership = new int[n];
    for (int i = 0; i < n; i++) {
      membership[i] = i;
    }
    Graph g = Graph.of(n, src, dst, weight, nodeSize);
    for (int level = 0; level < MAX_LEVELS; level++) {
      int[] local = g.moveNodes(resolution, maxSize);
      int communities = renumber(local);
      if (communities == g.n) {
        break;
      }
      for (int i = 0; i < n; i++) {
        membership[i] = local[membership[i]];
      }
      g = g.aggregate(local, communities);
    }
    renumber(membership);
    return membership;
  }

  /** Renumbers labels to 0..k-1 in order of first appearance; returns k. */
  static int renumber(int[] labels) {
    int[] map = new int[labels.length == 0 ? 0 : Arrays.stream(labels).max().getAsInt() + 1];
    Arrays.fill(map, -1);
    int next = 0;
    for (int i = 0; i < labels.length; i++) {
      if (map[labels[i]] < 0) {
        map[labels[i]] = next++;
      }
      labels[i] = map[labels[i]];
    }
    return next;
  }

  /** An undirected weighted graph in adjacency-array form. */
  private record Graph(
      int n, int[] start, int[] adj, double[] adjWeight, double[] selfLoop, int[] size) {

    static Graph of(int n, int[] src, int[] dst, double[] weight, int[] nodeSize) {
      int[] degree = new int[n];
      double[] self = new double[n];
      for (int e = 0; e < src.length; e++) {
        if (src[e] == dst[e]) {
          self[src[e]] += weight[e];
        } else {
          degree[src[e]]++;
          degree[dst[e]]++;
        }
      }
      int[] start = new int[n + 1];
      for (int i = 0; i < n; i++) {
        start[i + 1] = start[i] + degree[i];
      }
      int[] fill = Arrays.copyOf(start, n);
      int[] adj = new int[start[n]];
      double[] w = new double[start[n]];
      for (int e = 0; e < src.length; e++) {
        if (src[e] != dst[e]) {
          adj[fill[src[e]]] = dst[e];
          w[fill[src[e]]++] = weight[e];
          adj[fill[dst[e]]] = src[e];
          w[fill[dst[e]]++] = weight[e];
        }
      }
      return new Graph(n, start, adj, w, self, nodeSize.clone());
    }

    /** Weighted degree, a self-loop counting twice as in the modularity's 2m. */
    double strength(int i) {
      double k = 2 * selfLoop[i];
      for (int p = start[i]; p < start[i + 1]; p++) {
        k += adjWeight[p];
      }
      return k;
    }

    /** One level of local moving; returns each node's community (a node index). */
    int[] moveNodes(double resolution, int maxSize) {
      int[] community = new int[n];
      double[] total = new double[n];
      int[] commSize = new int[n];
      double[] k = new double[n];
      double twoM = 0;
      for (int i = 0; i < n; i++) {
        community[i] = i;
        k[i] = strength(i);
        total[i] = k[i];
        commSize[i] = size[i];
        twoM += k[i];
      }
      if (twoM <= 0) {
        return community;
      }
      double[] linkTo = new double[n];
      int[] touched = new int[n];
      for (int pass = 0; pass < MAX_PASSES; pass++) {
        boolean moved = false;
        for (int i = 0; i < n; i++) {
          int own = community[i];
          int touchedCount = 0;
          for (int p = start[i]; p < start[i + 1]; p++) {
            int c = community[adj[p]];
            if (linkTo[c] == 0) {
              touched[touchedCount++] = c;
            }
            linkTo[c] += adjWeight[p];
          }
          // Take i out of its community, then put it where the modularity gain is largest.
          total[own] -= k[i];
          commSize[own] -= size[i];
          int best = own;
          double bestGain = linkTo[own] - resolution * total[own] * k[i] / twoM;
          for (int t = 0; t < touchedCount; t++) {
            int c = touched[t];
            if (c == own || commSize[c] + size[i] > maxSize) {
              continue;
            }
            double gain = linkTo[c] - resolution * total[c] * k[i] / twoM;
            if (gain > bestGain + EPS || (Math.abs(gain - bestGain) <= EPS && c < best)) {
              best = c;
              bestGain = gain;
            }
          }
          total[best] += k[i];
          commSize[best] += size[i];
          if (best != own) {
            community[i] = best;
            moved = true;
          }
          for (int t = 0; t < touchedCount; t++) {
            linkTo[touched[t]] = 0;
          }
        }
        if (!moved) {
          break;
        }
      }
      return community;
    }

    /** The graph of communities: one node per community, edges summed, inner edges as loops. */
    Graph aggregate(int[] community, int count) {
      double[] self = new double[count];
      int[] newSize = new int[count];
      java.util.Map<Long, Double> between = new java.util.TreeMap<>();
      for (int i = 0; i < n; i++) {
        int ci = community[i];
        self[ci] += selfLoop[i];
        newSize[ci] += size[i];
        for (int p = start[i]; p < start[i + 1]; p++) {
          int j = adj[p];
          if (j < i) {
            continue; // each undirected edge once
          }
          int cj = community[j];
          if (ci == cj) {
            self[ci] += adjWeight[p];
          } else {
            long key = ((long) Math.min(ci, cj) << 32) | Math.max(ci, cj);
            between.merge(key, adjWeight[p], Double::sum);
          }
        }
      }
      int edges = between.size() + count;
      int[] s = new int[edges];
      int[] d = new int[edges];
      double[] w = new double[edges];
      int e = 0;
      for (var entry : between.entrySet()) {
        s[e] = (int) (entry.getKey() >>> 32);
        d[e] = (int) (entry.getKey() & 0xffffffffL);
        w[e++] = entry.getValue();
      }
      for (int c = 0; c < count; c++) {
        if (self[c] > 0) {
          s[e] = c;
          d[e] = c;
          w[e++] = self[c];
        }
      }
      return of(count, Arrays.copyOf(s, e), Arrays.copyOf(d, e), Arrays.copyOf(w, e), newSize);
    }
  }
}
