package io.meshgate.xds.resolve;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Where Envoy reaches the services meshgate runs next to it. Part of the settings every replica
 * must share: the addresses are in the clusters meshgate sends.
 *
 * @param rateLimit the rate limit services' addresses (gRPC, HTTP/2, plaintext); empty: none runs,
 *     and a global rate limit is a Problem whose requests meet the policy's failure mode
 * @param authz the HMAC signature service's address ({@code MESHGATE_AUTHZ_ADDR}, default {@code
 *     127.0.0.1:18082})
 * @param extProc the body transformation service's address ({@code MESHGATE_EXTPROC_ADDR}, default
 *     {@code 127.0.0.1:18083})
 */
public record EdgeServices(List<Address> rateLimit, Address authz, Address extProc) {
  /** Each service on this host's loopback at its default port, as {@code meshgate node} runs it. */
  public static final EdgeServices DEFAULTS =
      new EdgeServices(
          List.of(new Address("127.0.0.1", 18081)),
          new Address("127.0.0.1", 18082),
          new Address("127.0.0.1", 18083));

  public EdgeServices {
    rateLimit = List.copyOf(rateLimit);
    requireNonNull(authz, "authz");
    requireNonNull(extProc, "extProc");
  }

  /** The same, with the rate limit services at these addresses. */
  public EdgeServices withRateLimit(List<Address> addresses) {
    return new EdgeServices(addresses, authz, extProc);
  }

  /** The same, with the signature service at this address. */
  public EdgeServices withAuthz(Address address) {
    return new EdgeServices(rateLimit, address, extProc);
  }

  /** The same, with the body transformation service at this address. */
  public EdgeServices withExtProc(Address address) {
    return new EdgeServices(rateLimit, authz, address);
  }

  /** An IP address and a port (Envoy takes endpoints as addresses, not names). */
  public record Address(String host, int port) {
    private static final Pattern IPV4 =
        Pattern.compile(
            "^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$");

    public Address {
      requireNonNull(host, "host");
      if (!IPV4.matcher(host).matches() && !IPV6.matcher(host).matches()) {
        throw new IllegalArgumentException(
            "'" + host + "' is not an IP address (Envoy takes its endpoints as addresses)");
      }
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port " + port + " (expected: 1..65535)");
      }
    }

    /**
     * {@code host:port}, {@code [v6]:port}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Address parse(String text) {
      String trimmed = text.trim();
      int colon = trimmed.lastIndexOf(':');
      if (colon <= 0 || colon == trimmed.length() - 1) {
        throw new IllegalArgumentException(
            "'" + text + "' (expected: host:port, such as 10.0.0.5:18081)");
      }
      String host = trimmed.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      try {
        return new Address(host, Integer.parseInt(trimmed.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "'" + text + "' (expected: host:port, such as 10.0.0.5:18081)", e);
      }
    }

    @Override
    public String toString() {
      return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
  }
}
