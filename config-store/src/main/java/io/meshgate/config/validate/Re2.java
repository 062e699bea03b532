package io.meshgate.config.validate;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * Checks regular expressions with RE2's rules, as Envoy and gRPC apply them: java.util.regex would
 * accept lookarounds and backreferences that a proxy later rejects.
 */
final class Re2 {
  private Re2() {}

  static void check(String regex, String path, Problems problems) {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      problems.add(
          path,
          "not a valid RE2 regular expression ("
              + e.getDescription()
              + "); RE2 has no lookaround or backreferences",
          regex);
    }
  }
}
