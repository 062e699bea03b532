package io.meshgate.edge.signature;

import io.meshgate.edge.signature.StructuredFields.InnerList;
import io.meshgate.edge.signature.StructuredFields.Item;
import io.meshgate.edge.signature.StructuredFields.SfString;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The signature base of RFC 9421 section 2.5: one line {@code "<component>": <value>} per covered
 * component, in the order they are covered, then {@code "@signature-params": <inner list>} without
 * a trailing line break. Derived components: {@code @method}, {@code @target-uri}, {@code
 * @authority}, {@code @scheme}, {@code @path}, {@code @query}, {@code @request-target}. A header
 * field's values are trimmed and joined by {@code ", "}. Components with parameters ({@code ;sf},
 * {@code ;key}, {@code ;bs}, {@code ;req}, {@code ;name}) and other derived components are not
 * supported.
 */
public final class SignatureBase {
  static final Set<String> DERIVED =
      Set.of(
          "@method", "@target-uri", "@authority", "@scheme", "@path", "@query", "@request-target");

  private SignatureBase() {}

  /** The base, or the reason it cannot be built. */
  sealed interface Built {}

  record Base(String text) implements Built {}

  record Failed(Reason reason) implements Built {}

  /**
   * The base for a request and a signature's parameters (the inner list of its {@code
   * Signature-Input} member).
   */
  static Built of(SignedRequest request, InnerList signatureParams) {
    StringBuilder base = new StringBuilder();
    for (Item item : signatureParams.items()) {
      if (!(item.value() instanceof SfString name)) {
        return new Failed(Reason.MALFORMED_COMPONENTS);
      }
      if (!item.parameters().isEmpty()) {
        return new Failed(Reason.UNSUPPORTED_COMPONENT);
      }
      Optional<String> value;
      if (name.value().startsWith("@")) {
        if (!DERIVED.contains(name.value())) {
          return new Failed(Reason.UNSUPPORTED_COMPONENT);
        }
        value = Optional.of(derived(request, name.value()));
      } else {
        value = field(request, name.value());
        if (value.isEmpty()) {
          return new Failed(Reason.COMPONENT_NOT_IN_REQUEST);
        }
      }
      if (hasLineBreak(value.get())) {
        return new Failed(Reason.INVALID_COMPONENT_VALUE);
      }
      base.append('"').append(name.value()).append("\": ").append(value.get()).append('\n');
    }
    base.append("\"@signature-params\": ").append(StructuredFields.serialize(signatureParams));
    return new Base(base.toString());
  }

  /**
   * The base for covered components and parameters given as text, for a client that signs: {@code
   * components} like {@code List.of("@method", "@path")}, {@code params} the serialized parameters
   * like {@code ;created=1618884473;keyid="k1"}. Empty when a component is not in the request.
   */
  public static Optional<String> forClient(
      SignedRequest request, List<String> components, String params) {
    StringBuilder input = new StringBuilder("sig=(");
    for (int i = 0; i < components.size(); i++) {
      input.append(i == 0 ? "" : " ").append('"').append(components.get(i)).append('"');
    }
    input.append(')').append(params);
    try {
      InnerList list =
          (InnerList)
              StructuredFields.parseDictionary(input.toString(), SignatureVerifier.LIMITS)
                  .get("sig");
      Built built = of(request, list);
      return built instanceof Base b ? Optional.of(b.text()) : Optional.empty();
    } catch (StructuredFields.ParseException | ClassCastException e) {
      return Optional.empty();
    }
  }

  private static String derived(SignedRequest request, String name) {
    String target = request.target();
    int question = target.indexOf('?');
    String path = question < 0 ? target : target.substring(0, question);
    String query = question < 0 ? "" : target.substring(question + 1);
    switch (name) {
      case "@method":
        return request.method();
      case "@scheme":
        return request.scheme().toLowerCase(Locale.ROOT);
      case "@authority":
        return authority(request);
      case "@path":
        return path.isEmpty() ? "/" : path;
      case "@query":
        return "?" + query;
      case "@request-target":
        return target;
      case "@target-uri":
        return request.scheme().toLowerCase(Locale.ROOT)
            + "://"
            + authority(request)
            + (path.isEmpty() ? "/" : path)
            + (question < 0 ? "" : "?" + query);
      default:
        throw new IllegalArgumentException("derived component: " + name);
    }
  }

  // RFC 9421 2.2.3: the authority normalized as HTTP does: lower case, no default port.
  private static String authority(SignedRequest request) {
    String authority = request.authority().trim().toLowerCase(Locale.ROOT);
    String scheme = request.scheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https") && authority.endsWith(":443")) {
      return authority.substring(0, authority.length() - 4);
    }
    if (scheme.equals("http") && authority.endsWith(":80")) {
      return authority.substring(0, authority.length() - 3);
    }
    return authority;
  }

  // RFC 9421 2.1: each value trimmed, several values joined by ", ".
  private static Optional<String> field(SignedRequest request, String name) {
    List<String> values = request.header(name);
    if (values.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder joined = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      joined.append(i == 0 ? "" : ", ").append(trimOws(values.get(i)));
    }
    return Optional.of(joined.toString());
  }

  private static String trimOws(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
      start++;
    }
    while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
      end--;
    }
    return value.substring(start, end);
  }

  private static boolean hasLineBreak(String value) {
    return value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0;
  }
}
