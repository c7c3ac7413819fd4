package com.cohortwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Weighted Louvain on hand-made graphs: no Spark. */
class LouvainTest {

  private record Edges(List<int[]> pairs, List<Double> weights) {
    Edges() {
      this(new ArrayList<>(), new ArrayList<>());
    }

    Edges add(int a, int b, double w) {
      pairs.add(new int[] {a, b});
      weights.add(w);
      return this;
    }

    Edges clique(int from, int to, double w) {
      for (int a = from; a <= to; a++) {
        for (int b = a + 1; b <= to; b++) {
          add(a, b, w);
        }
      }
      return this;
    }

    int[] run(int n, int maxSize) {
      int[] size = new int[n];
      java.util.Arrays.fill(size, 1);
      return run(n, maxSize, size, 1.0);
    }

    int[] run(int n, int maxSize, int[] size, double resolution) {
      int[] s = pairs.stream().mapToInt(p -> p[0]).toArray();
      int[] d = pairs.stream().mapToInt(p -> p[1]).toArray();
      double[] w = weights.stream().mapToDouble(Double::doubleValue).toArray();
      return Louvain.communities(n, s, d, w, size, resolution, maxSize);
    }
  }

  @Test
  void twoRingsGluedByOneLightLinkAreTwoCommunities() {
    int[] c = new Edges().clique(0, 4, 0.9).clique(5, 9, 0.9).add(4, 5, 0.6).run(10, 200);
    assertThat(c).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
  }

  @Test
  void oneDenseRingStaysWhole() {
    int[] c = new Edges().clique(0, 11, 0.8).run(12, 200);
    assertThat(c).containsOnly(0);
  }

  @Test
  void threeRingsOnOneSharedExitBecomeThreeCommunities() {
    // three cliques of six, each with one member meeting a member of the next by chance
    Edges e = new Edges().clique(0, 5, 0.85).clique(6, 11, 0.85).clique(12, 17, 0.85);
    e.add(5, 6, 0.62).add(11, 12, 0.62).add(17, 0, 0.62);
    int[] c = e.run(18, 200);
    assertThat(c[0]).isEqualTo(c[5]);
    assertThat(c[6]).isEqualTo(c[11]).isNotEqualTo(c[0]);
    assertThat(c[12]).isEqualTo(c[17]).isNotEqualTo(c[0]).isNotEqualTo(c[6]);
  }

  @Test
  void weightsDecideNotJustTheEdges() {
    // a square whose two heavy sides hold; unweighted, every split of a 4-cycle ties
    int[] c = new Edges().add(0, 1, 1.0).add(2, 3, 1.0).add(1, 2, 0.1).add(3, 0, 0.1).run(4, 200);
    assertThat(c[0]).isEqualTo(c[1]);
    assertThat(c[2]).isEqualTo(c[3]).isNotEqualTo(c[0]);
  }

  @Test
  void noCommunityGrowsPastTheCapAndHubsCountNothing() {
    int[] size = {1, 1, 1, 1, 1, 1, 0};
    // a star hub (node 6) joined to six accounts; with a cap of 3 accounts it must split
    Edges e = new Edges();
    for (int i = 0; i < 6; i++) {
      e.add(i, 6, 0.65);
    }
    int[] c = e.run(7, 3, size, 1.0);
    int[] accounts = new int[7];
    for (int i = 0; i < 6; i++) {
      accounts[c[i]]++;
    }
    assertThat(java.util.Arrays.stream(accounts).max().getAsInt()).isLessThanOrEqualTo(3);
    int[] whole = e.run(7, 10, size, 1.0);
    assertThat(whole).containsOnly(0);
  }

  @Test
  void theSameGraphGivesTheSameCommunities() {
    Edges e = new Edges().clique(0, 6, 0.7).clique(7, 13, 0.9).add(3, 10, 0.65).add(2, 9, 0.6);
    assertThat(e.run(14, 200)).containsExactly(e.run(14, 200));
  }
}
