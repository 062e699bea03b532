package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A TransformPolicy value: literal text with {@code ${...}} references to request data and verified
 * JWT claims. meshgate translates the references itself (to Envoy's substitution formatter, or for
 * its body service), so a policy never carries a raw Envoy format string: a {@code %} is always
 * literal.
 *
 * <p>References: {@code ${request.header.NAME}}, {@code ${request.path}}, {@code
 * ${request.method}}, {@code ${client.ip}}, {@code ${claim.NAME}}. A {@code $} not followed by
 * {@code {} is literal; {@code $${} is a literal {@code ${}.
 */
public record Template(List<Part> parts) {
  private static final Pattern HEADER = Pattern.compile("^[a-z0-9!#$%&'*+\\-.^_`|~]+$");
  private static final Pattern CLAIM = Pattern.compile("^[A-Za-z0-9_-]{1,128}$");

  public Template {
    parts = List.copyOf(parts);
  }

  /** One piece of a template. */
  public sealed interface Part {}

  /** Text taken as it is. */
  public record Literal(String text) implements Part {
    public Literal {
      requireNonNull(text, "text");
    }
  }

  /** A request header's value, by lower-case name; empty when absent. */
  public record RequestHeader(String name) implements Part {}

  /** The request's path with its query. */
  public record RequestPath() implements Part {}

  /** The request's method. */
  public record RequestMethod() implements Part {}

  /** The client's address as the listener sees it (after trusted X-Forwarded-For hops). */
  public record ClientIp() implements Part {}

  /** A top-level claim of the verified JWT; empty when there is none. */
  public record Claim(String name) implements Part {}

  /** Whether any part names a claim. */
  public boolean usesClaims() {
    return parts.stream().anyMatch(p -> p instanceof Claim);
  }

  /** Whether the template is literal text only. */
  public boolean literal() {
    return parts.stream().allMatch(p -> p instanceof Literal);
  }

  /**
   * Parses a template.
   *
   * @throws IllegalArgumentException with what is wrong and where, for the validator's message
   */
  public static Template parse(String text) {
    requireNonNull(text, "text");
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        throw new IllegalArgumentException("has a line break or NUL at " + i);
      }
      if (text.startsWith("$${", i)) {
        literal.append("${");
        i += 3;
        continue;
      }
      if (!text.startsWith("${", i)) {
        literal.append(c);
        i++;
        continue;
      }
      int end = text.indexOf('}', i);
      if (end < 0) {
        throw new IllegalArgumentException("'${' at " + i + " is not closed with '}'");
      }
      String ref = text.substring(i + 2, end);
      if (literal.length() > 0) {
        parts.add(new Literal(literal.toString()));
        literal.setLength(0);
      }
      parts.add(reference(ref));
      i = end + 1;
    }
    if (literal.length() > 0) {
      parts.add(new Literal(literal.toString()));
    }
    return new Template(parts);
  }

  private static Part reference(String ref) {
    switch (ref) {
      case "request.path":
        return new RequestPath();
      case "request.method":
        return new RequestMethod();
      case "client.ip":
        return new ClientIp();
      default:
        break;
    }
    if (ref.startsWith("request.header.")) {
      String name = ref.substring("request.header.".length()).toLowerCase(Locale.ROOT);
      if (!HEADER.matcher(name).matches()) {
        throw new IllegalArgumentException("${" + ref + "}: '" + name + "' is not a header name");
      }
      return new RequestHeader(name);
    }
    if (ref.startsWith("claim.")) {
      String name = ref.substring("claim.".length());
      if (!CLAIM.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "${" + ref + "}: a claim name is letters, digits, '_' and '-' (a top-level claim)");
      }
      return new Claim(name);
    }
    throw new IllegalArgumentException(
        "${"
            + ref
            + "} is not a reference (expected: request.header.NAME, request.path,"
            + " request.method, client.ip or claim.NAME)");
  }
}
