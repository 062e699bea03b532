package io.meshgate.xds.resolve;

import java.util.ArrayList;
import java.util.List;

/** Gateway API's hostname intersection between a listener and a route. */
final class Hostnames {
  static final String ANY = "*";

  private Hostnames() {}

  /**
   * The hostnames a route serves on a listener: the more specific of each compatible pair. Empty
   * when the route names hostnames and none fits the listener (then it does not attach there).
   */
  static List<String> effective(String listener, List<String> route) {
    if (route.isEmpty()) {
      return List.of(listener == null ? ANY : listener);
    }
    if (listener == null) {
      return route.stream().distinct().sorted().toList();
    }
    List<String> result = new ArrayList<>();
    for (String r : route) {
      if (matches(listener, r)) {
        result.add(r);
      } else if (matches(r, listener)) {
        result.add(listener);
      }
    }
    return result.stream().distinct().sorted().toList();
  }

  /**
   * Whether {@code pattern} (maybe {@code *.suffix}) covers {@code host} (maybe a narrower
   * wildcard).
   */
  static boolean matches(String pattern, String host) {
    if (pattern.equals(host)) {
      return true;
    }
    if (!pattern.startsWith("*.")) {
      return false;
    }
    String suffix = pattern.substring(1);
    String hostName = host.startsWith("*.") ? host.substring(2) : host;
    // A wildcard covers one or more labels: *.example.com covers a.example.com and *.a.example.com.
    return hostName.endsWith(suffix) && hostName.length() > suffix.length();
  }
}
