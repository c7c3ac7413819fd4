package com.cohortwatch.values;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IpNormalizerTest {

  @Test
  void ipv6IsCompressedAndLowerCased() {
    assertThat(IpNormalizer.normalize("2001:0DB8:0000:0000:0000:0000:0000:0001"))
        .isEqualTo("2001:db8::1");
    assertThat(IpNormalizer.normalize("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
  }

  @Test
  void zoneIdIsDropped() {
    assertThat(IpNormalizer.normalize("fe80::1%eth0")).isEqualTo("fe80::1");
  }

  @Test
  void ipv4MappedIpv6FoldsToIpv4() {
    assertThat(IpNormalizer.normalize("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(IpNormalizer.normalize("::FFFF:CB00:7107")).isEqualTo("203.0.113.7");
  }

  @Test
  void leadingZerosAreRejectedAsAmbiguous() {
    assertThat(IpNormalizer.normalize("010.1.2.3")).isNull();
    assertThat(IpNormalizer.normalize("1.2.3.04")).isNull();
    assertThat(IpNormalizer.normalize("1.2.3.0")).isEqualTo("1.2.3.0");
  }

  @Test
  void ipv4ShortcutAgreesWithTheLibrary() {
    java.util.Random random = new java.util.Random(7);
    String alphabet = "0123456789.";
    java.util.List<String> texts =
        new java.util.ArrayList<>(
            java.util.List.of(
                "0.0.0.0",
                "255.255.255.255",
                "256.1.1.1",
                "1.2.3",
                "1.2.3.4.5",
                "1..2.3",
                ".1.2.3",
                "1.2.3.",
                "00.1.2.3",
                "1.2.3.00",
                " 9.9.9.9 ",
                "1.2.3.4/24"));
    for (int i = 0; i < 20_000; i++) {
      if (i % 2 == 0) {
        texts.add(
            random.nextInt(300)
                + "."
                + random.nextInt(300)
                + "."
                + random.nextInt(300)
                + "."
                + random.nextInt(300));
      } else {
        StringBuilder sb = new StringBuilder();
        for (int k = 7 + random.nextInt(9); k > 0; k--) {
          sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        texts.add(sb.toString());
      }
    }
    int accepted = 0;
    for (String t : texts) {
      assertThat(IpNormalizer.normalize(t)).as(t).isEqualTo(IpNormalizer.normalizeWithLibrary(t));
      String canonical = IpNormalizer.normalize(t);
      if (canonical != null) {
        accepted++;
        assertThat(IpNormalizer.toHex(canonical))
            .as(t)
            .isEqualTo(IpNormalizer.toHexWithLibrary(canonical));
      }
    }
    assertThat(accepted).as("the sample holds valid addresses").isGreaterThan(5_000);
  }

  @Test
  void surroundingWhitespaceIsTrimmed() {
    assertThat(IpNormalizer.normalize("  198.51.100.4\t")).isEqualTo("198.51.100.4");
  }

  @Test
  void invalidTextIsNull() {
    for (String bad :
        new String[] {
          "",
          " ",
          null,
          "999.1.2.3",
          "1.2.3",
          "1.2.3.4.5",
          "10.0.0.256",
          "2001:db8::g1",
          "1:2:3:4:5:6:7:8:9",
          "::ffff:999.1.1.1",
          "hello",
          "1.2.3.0/24",
          "*.*.*.*"
        }) {
      assertThat(IpNormalizer.normalize(bad)).as(String.valueOf(bad)).isNull();
    }
  }

  @Test
  void networksAreCanonicalPrefixBlocks() {
    assertThat(IpNormalizer.normalizeNetwork("10.1.2.3/24")).isEqualTo("10.1.2.0/24");
    assertThat(IpNormalizer.normalizeNetwork("2001:DB8::/32")).isEqualTo("2001:db8::/32");
    assertThat(IpNormalizer.normalizeNetwork("192.0.2.1")).isEqualTo("192.0.2.1/32");
    assertThat(IpNormalizer.normalizeNetwork("not/a/net")).isNull();
  }

  @Test
  void hexRangesCompareAsStrings() {
    String[] range = IpNormalizer.networkHexRange("10.1.2.0/24");
    assertThat(range).containsExactly("0a010200", "0a0102ff");
    assertThat(IpNormalizer.toHex("10.1.2.77")).isBetween(range[0], range[1]);
    assertThat(IpNormalizer.toHex("2001:db8::1")).hasSize(32);
  }

  @Test
  void subnetOfAddress() {
    assertThat(IpNormalizer.subnet("198.51.100.77", 24, 48)).isEqualTo("198.51.100.0/24");
    assertThat(IpNormalizer.subnet("2001:db8:aa:bb::1", 24, 48)).isEqualTo("2001:db8:aa::/48");
  }
}
