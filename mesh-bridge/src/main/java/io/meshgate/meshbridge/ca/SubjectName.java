package io.meshgate.meshbridge.ca;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.regex.Pattern;
import org.bouncycastle.util.IPAddress;

/** One subject alternative name of a certificate: exactly one of a URI, a DNS name or an IP. */
public sealed interface SubjectName {
  /** A URI SAN, such as a SPIFFE ID. */
  record Uri(URI uri) implements SubjectName {
    public Uri {
      requireNonNull(uri, "uri");
    }
  }

  /** A host name, optionally with a leading {@code *.}. */
  record Dns(String name) implements SubjectName {
    private static final Pattern HOST =
        Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    public Dns {
      requireNonNull(name, "name");
      if (name.length() > 253 || !HOST.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "dnsNames: '" + name + "' (expected: a host name such as xds.example.com)");
      }
    }
  }

  /** An IPv4 or IPv6 address. */
  record Ip(String address) implements SubjectName {
    public Ip {
      requireNonNull(address, "address");
      if (!IPAddress.isValid(address)) {
        throw new IllegalArgumentException(
            "ipAddresses: '" + address + "' (expected: an IPv4 or IPv6 address)");
      }
    }
  }
}
