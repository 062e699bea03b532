package io.meshgate.config.validate;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** IP addresses, CIDR blocks and host names, checked without any DNS lookup. */
final class Addresses {
  private static final Pattern IPV4 =
      Pattern.compile(
          "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
  private static final Pattern IPV6_CHARS = Pattern.compile("^[0-9a-fA-F:.]+$");
  private static final Pattern DNS_NAME =
      Pattern.compile(
          "^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$");
  private static final Pattern ALL_NUMERIC_LABELS = Pattern.compile("^[0-9.]+$");

  private Addresses() {}

  static boolean isIpv4(String text) {
    return IPV4.matcher(text).matches();
  }

  static boolean isIpv6(String text) {
    if (!text.contains(":") || !IPV6_CHARS.matcher(text).matches()) {
      return false;
    }
    try {
      // A literal never triggers a lookup.
      return InetAddress.getByName(text) instanceof Inet6Address;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  static boolean isIp(String text) {
    return isIpv4(text) || isIpv6(text);
  }

  /** An IP address, or a DNS name that is not all digits. */
  static boolean isIpOrHostname(String text) {
    return isIp(text)
        || (text.length() <= 253
            && DNS_NAME.matcher(text).matches()
            && !ALL_NUMERIC_LABELS.matcher(text).matches());
  }

  /** Gateway API forbids IP addresses where it asks for a hostname. */
  static boolean looksLikeIp(String hostname) {
    return ALL_NUMERIC_LABELS.matcher(hostname).matches() || isIpv6(hostname);
  }

  /** Null when valid, else what is wrong. */
  static @Nullable String cidrProblem(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      return "must be a CIDR block (address/prefix)";
    }
    String address = cidr.substring(0, slash);
    int prefix;
    try {
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      return "prefix length must be a number";
    }
    if (isIpv4(address)) {
      return prefix <= 32 ? null : "IPv4 prefix length must be at most 32";
    }
    if (isIpv6(address)) {
      return prefix <= 128 ? null : "IPv6 prefix length must be at most 128";
    }
    return "'" + address + "' is not an IPv4 or IPv6 address";
  }
}
