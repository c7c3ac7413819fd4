package com.cohortwatch.values;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.ipv6.IPv6Address;
import java.util.regex.Pattern;

/**
 * Parses IP address text with the ipaddress library and renders one canonical form, so that the
 * same address written two ways links the same accounts.
 *
 * <p>Rules: surrounding whitespace is trimmed; IPv4 must be four decimal octets with no leading
 * zeros (`010.1.2.3` is octal in some parsers and decimal in others, so it is rejected rather than
 * guessed); IPv6 is rendered in RFC 5952 compressed lower case; an IPv6 zone id (`%eth0`) is
 * dropped because it names the logging host's interface, not the client; IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`) is folded to the IPv4 address. Prefixes (`/24`) are not addresses.
 */
public final class IpNormalizer {
  private IpNormalizer() {}

  private static final IPAddressStringParameters ADDRESS_ONLY =
      new IPAddressStringParameters.Builder()
          .allowEmpty(false)
          .allowAll(false)
          .allowMask(false)
          .allowPrefix(false)
          .allowSingleSegment(false)
          .allowWildcardedSeparator(false)
          .getIPv4AddressParametersBuilder()
          .allowLeadingZeros(false)
          .allowUnlimitedLeadingZeros(false)
          .allow_inet_aton(false)
          .allowWildcardedSeparator(false)
          .getParentBuilder()
          .getIPv6AddressParametersBuilder()
          .allowWildcardedSeparator(false)
          .getParentBuilder()
          .toParams();

  private static final IPAddressStringParameters NETWORK =
      ADDRESS_ONLY.toBuilder().allowPrefix(true).allowMask(false).toParams();

  private static final Pattern DOTTED_QUAD_WITH_ZERO_PADDING = Pattern.compile("(^|[.:])0\\d");

  /** Canonical text of the address, or null when the text is not one IP address. */
  public static String normalize(String text) {
    if (text != null) {
      String trimmed = text.strip();
      if (plainIpv4(trimmed) != null) {
        return trimmed;
      }
    }
    return normalizeWithLibrary(text);
  }

  /**
   * The four octets of a plain dotted-quad IPv4 address (decimal, no leading zeros, each at most
   * 255), or null for anything else. Such text is already canonical, and it is nearly every login,
   * so it skips the library's general parser (at 200k accounts the gain was within the noise: the
   * JSON parse dominates ingest). Anything it does not accept goes to the library, which decides.
   */
  static int[] plainIpv4(String s) {
    int n = s.length();
    if (n < 7 || n > 15) {
      return null;
    }
    int[] octets = new int[4];
    int part = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '.') {
        if (digits == 0 || part == 3) {
          return null;
        }
        octets[part++] = value;
        value = 0;
        digits = 0;
      } else if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return null; // a leading zero
        }
        value = value * 10 + (c - '0');
        digits++;
        if (value > 255) {
          return null;
        }
      } else {
        return null;
      }
    }
    if (digits == 0 || part != 3) {
      return null;
    }
    octets[3] = value;
    return octets;
  }

  /** {@link #normalize} without the IPv4 shortcut: what the shortcut must agree with. */
  static String normalizeWithLibrary(String text) {
    IPAddress address = parse(text, ADDRESS_ONLY);
    if (address == null || address.isPrefixed() || address.isMultiple()) {
      return null;
    }
    return render(address);
  }

  /** Canonical CIDR text of a network (`1.2.3.0/24`), or null when it is not a valid network. */
  public static String normalizeNetwork(String text) {
    IPAddress network = parse(text, NETWORK);
    if (network == null) {
      return null;
    }
    if (!network.isPrefixed()) {
      network = network.setPrefixLength(network.getBitCount(), false);
    }
    IPAddress block = network.toPrefixBlock();
    IPAddress folded = foldMapped(block.withoutPrefixLength());
    if (folded.isIPv4() && block.isIPv6()) {
      int prefix = Math.max(0, block.getNetworkPrefixLength() - 96);
      return folded.setPrefixLength(prefix, false).toPrefixBlock().toCanonicalString();
    }
    return block.toCanonicalString();
  }

  private static IPAddress parse(String text, IPAddressStringParameters params) {
    if (text == null) {
      return null;
    }
    String trimmed = text.strip();
    if (trimmed.isEmpty() || trimmed.length() > 64) {
      return null;
    }
    // ipaddress accepts "01.2.3.4" inside mixed IPv6 even with leading zeros disabled; reject all.
    if (trimmed.indexOf('.') >= 0 && DOTTED_QUAD_WITH_ZERO_PADDING.matcher(trimmed).find()) {
      return null;
    }
    try {
      IPAddress address = new IPAddressString(trimmed, params).toAddress();
      if (address.isIPv6() && ((IPv6Address) address).hasZone()) {
        address = ((IPv6Address) address).removeZone();
      }
      return address;
    } catch (AddressStringException | RuntimeException e) {
      return null;
    }
  }

  private static String render(IPAddress address) {
    return foldMapped(address).toCanonicalString();
  }

  private static IPAddress foldMapped(IPAddress address) {
    if (address.isIPv6()) {
      IPv6Address v6 = (IPv6Address) address;
      if (v6.isIPv4Mapped()) {
        return v6.getEmbeddedIPv4Address();
      }
    }
    return address;
  }

  /**
   * The address as fixed-width lower-case hex (8 digits for IPv4, 32 for IPv6) so ranges compare as
   * strings; null for invalid text.
   */
  public static String toHex(String canonical) {
    int[] octets = canonical == null ? null : plainIpv4(canonical.strip());
    if (octets != null) {
      return String.format("%02x%02x%02x%02x", octets[0], octets[1], octets[2], octets[3]);
    }
    return toHexWithLibrary(canonical);
  }

  static String toHexWithLibrary(String canonical) {
    IPAddress address = parse(canonical, ADDRESS_ONLY);
    if (address == null) {
      return null;
    }
    address = foldMapped(address);
    return hex(address.getBytes(), address.isIPv4() ? 8 : 32);
  }

  /** The first and last address of a canonical network as fixed-width hex, [lo, hi]. */
  public static String[] networkHexRange(String canonicalNetwork) {
    IPAddress network = parse(canonicalNetwork, NETWORK);
    if (network == null) {
      return null;
    }
    IPAddress block = network.toPrefixBlock();
    int width = block.isIPv4() ? 8 : 32;
    return new String[] {
      hex(block.getLower().getBytes(), width), hex(block.getUpper().getBytes(), width)
    };
  }

  /**
   * The subnet an address belongs to, for the subnet link: `/ipv4Prefix` or `/ipv6Prefix`, as
   * canonical CIDR text. Null for invalid text.
   */
  public static String subnet(String canonical, int ipv4Prefix, int ipv6Prefix) {
    IPAddress address = parse(canonical, ADDRESS_ONLY);
    if (address == null) {
      return null;
    }
    address = foldMapped(address);
    int prefix = address.isIPv4() ? ipv4Prefix : ipv6Prefix;
    return address.setPrefixLength(prefix, false).toPrefixBlock().toCanonicalString();
  }

  private static String hex(byte[] bytes, int width) {
    StringBuilder sb = new StringBuilder(width);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return sb.toString();
  }
}
