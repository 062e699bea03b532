package io.meshgate.xds.envoy.validate;

/**
 * PGV's {@code well_known_regex} for HTTP headers, written as loops rather than regexes. Strict: a
 * name is an RFC 7230 token, optionally after one {@code :} (HTTP/2 pseudo-headers); a value has no
 * control character but tab. Not strict (what Envoy asks for on most fields): neither holds NUL, CR
 * or LF.
 */
final class HttpHeaders {
  private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

  private HttpHeaders() {}

  static boolean isName(String value, boolean strict) {
    if (!strict) {
      return hasNoNulCrLf(value);
    }
    int start = value.startsWith(":") ? 1 : 0;
    if (value.length() == start) {
      return false;
    }
    for (int i = start; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean token =
          (c >= '0' && c <= '9')
              || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || TOKEN_SYMBOLS.indexOf(c) >= 0;
      if (!token) {
        return false;
      }
    }
    return true;
  }

  static boolean isValue(String value, boolean strict) {
    if (!strict) {
      return hasNoNulCrLf(value);
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  static String nameRule(boolean strict) {
    return strict
        ? "an HTTP header name: letters, digits and " + TOKEN_SYMBOLS + ", after an optional ':'"
        : "an HTTP header name without NUL, CR or LF";
  }

  static String valueRule(boolean strict) {
    return strict
        ? "an HTTP header value without control characters other than tab"
        : "an HTTP header value without NUL, CR or LF";
  }

  private static boolean hasNoNulCrLf(String value) {
    return value.indexOf('\0') < 0 && value.indexOf('\r') < 0 && value.indexOf('\n') < 0;
  }
}
