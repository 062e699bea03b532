package io.meshgate.edge.signature;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, bounded parser and serializer for the parts of RFC 8941 (Structured Field Values) that
 * RFC 9421 and RFC 9530 use: dictionaries whose members are items or inner lists, with parameters,
 * and every bare item type. Parsing follows RFC 8941 section 4.2 and fails on anything it does not
 * allow; no member, list or parameter count exceeds the limits given, so a hostile header costs at
 * most its (already bounded) length.
 */
final class StructuredFields {
  private StructuredFields() {}

  /** One bare item: integer, decimal, string, token, byte sequence or boolean. */
  sealed interface BareItem permits SfInteger, SfDecimal, SfString, SfToken, SfBytes, SfBoolean {}

  record SfInteger(long value) implements BareItem {}

  record SfDecimal(BigDecimal value) implements BareItem {
    SfDecimal {
      requireNonNull(value, "value");
    }
  }

  record SfString(String value) implements BareItem {
    SfString {
      requireNonNull(value, "value");
    }
  }

  record SfToken(String value) implements BareItem {
    SfToken {
      requireNonNull(value, "value");
    }
  }

  record SfBytes(byte[] value) implements BareItem {
    SfBytes {
      requireNonNull(value, "value");
    }
  }

  record SfBoolean(boolean value) implements BareItem {}

  /** A dictionary member: an item or an inner list, each with parameters (in order). */
  sealed interface Member permits Item, InnerList {
    Map<String, BareItem> parameters();
  }

  record Item(BareItem value, Map<String, BareItem> parameters) implements Member {
    Item {
      requireNonNull(value, "value");
      parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
  }

  record InnerList(List<Item> items, Map<String, BareItem> parameters) implements Member {
    InnerList {
      items = List.copyOf(items);
      parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
  }

  /** Limits on what one parse may produce. */
  record Limits(int members, int innerListItems, int parameters) {}

  /** The field is not a valid structured field, or exceeds the limits. */
  static final class ParseException extends Exception {
    /** Which rule failed: a limit, or the syntax. */
    enum Kind {
      SYNTAX,
      TOO_MANY_MEMBERS,
      TOO_MANY_ITEMS,
      TOO_MANY_PARAMETERS
    }

    private final Kind kind;

    ParseException(String message) {
      this(Kind.SYNTAX, message);
    }

    ParseException(Kind kind, String message) {
      super(message);
      this.kind = kind;
    }

    Kind kind() {
      return kind;
    }
  }

  /** Parses a dictionary (RFC 8941 section 4.2.2); members keep their order. */
  static Map<String, Member> parseDictionary(String field, Limits limits) throws ParseException {
    requireNonNull(field, "field");
    return new Parser(field, limits).dictionary();
  }

  /** Serializes an inner list with its parameters (RFC 8941 section 4.1.1.1). */
  static String serialize(InnerList list) {
    StringBuilder out = new StringBuilder("(");
    for (int i = 0; i < list.items().size(); i++) {
      if (i > 0) {
        out.append(' ');
      }
      Item item = list.items().get(i);
      serializeBare(item.value(), out);
      serializeParameters(item.parameters(), out);
    }
    out.append(')');
    serializeParameters(list.parameters(), out);
    return out.toString();
  }

  private static void serializeParameters(Map<String, BareItem> parameters, StringBuilder out) {
    for (Map.Entry<String, BareItem> parameter : parameters.entrySet()) {
      out.append(';').append(parameter.getKey());
      if (!(parameter.getValue() instanceof SfBoolean b && b.value())) {
        out.append('=');
        serializeBare(parameter.getValue(), out);
      }
    }
  }

  private static void serializeBare(BareItem item, StringBuilder out) {
    if (item instanceof SfInteger i) {
      out.append(i.value());
    } else if (item instanceof SfDecimal d) {
      out.append(d.value().toPlainString());
    } else if (item instanceof SfString s) {
      out.append('"');
      for (char c : s.value().toCharArray()) {
        if (c == '"' || c == '\\') {
          out.append('\\');
        }
        out.append(c);
      }
      out.append('"');
    } else if (item instanceof SfToken t) {
      out.append(t.value());
    } else if (item instanceof SfBytes b) {
      out.append(':').append(Base64.getEncoder().encodeToString(b.value())).append(':');
    } else if (item instanceof SfBoolean b) {
      out.append(b.value() ? "?1" : "?0");
    }
  }

  private static final class Parser {
    private static final long MAX_INTEGER = 999_999_999_999_999L;

    private final String in;
    private final Limits limits;
    private int pos;

    Parser(String in, Limits limits) {
      this.in = in;
      this.limits = requireNonNull(limits, "limits");
    }

    Map<String, Member> dictionary() throws ParseException {
      Map<String, Member> members = new LinkedHashMap<>();
      skipSp();
      if (atEnd()) {
        throw new ParseException("empty dictionary");
      }
      while (!atEnd()) {
        String key = key();
        Member member;
        if (peek() == '=') {
          pos++;
          member = itemOrInnerList();
        } else {
          member = new Item(new SfBoolean(true), parameters());
        }
        // RFC 8941: a later member of the same name overwrites; a signature header with two
        // members of one label is ambiguous, so it is refused instead.
        if (members.put(key, member) != null) {
          throw new ParseException("duplicate member '" + key + "'");
        }
        if (members.size() > limits.members()) {
          throw new ParseException(
              ParseException.Kind.TOO_MANY_MEMBERS, "more than " + limits.members() + " members");
        }
        skipOws();
        if (atEnd()) {
          return members;
        }
        expect(',');
        skipOws();
        if (atEnd()) {
          throw new ParseException("trailing comma");
        }
      }
      return members;
    }

    private Member itemOrInnerList() throws ParseException {
      if (peek() == '(') {
        return innerList();
      }
      BareItem value = bareItem();
      return new Item(value, parameters());
    }

    private InnerList innerList() throws ParseException {
      expect('(');
      List<Item> items = new ArrayList<>();
      while (!atEnd()) {
        skipSp();
        if (peek() == ')') {
          pos++;
          return new InnerList(items, parameters());
        }
        BareItem value = bareItem();
        items.add(new Item(value, parameters()));
        if (items.size() > limits.innerListItems()) {
          throw new ParseException(
              ParseException.Kind.TOO_MANY_ITEMS,
              "more than " + limits.innerListItems() + " inner list items");
        }
        if (atEnd() || (peek() != ' ' && peek() != ')')) {
          throw new ParseException("expected ' ' or ')' at " + pos);
        }
      }
      throw new ParseException("unterminated inner list");
    }

    private Map<String, BareItem> parameters() throws ParseException {
      Map<String, BareItem> parameters = new LinkedHashMap<>();
      while (!atEnd() && peek() == ';') {
        pos++;
        skipSp();
        String key = key();
        BareItem value = new SfBoolean(true);
        if (!atEnd() && peek() == '=') {
          pos++;
          value = bareItem();
        }
        if (parameters.put(key, value) != null) {
          throw new ParseException("duplicate parameter '" + key + "'");
        }
        if (parameters.size() > limits.parameters()) {
          throw new ParseException(
              ParseException.Kind.TOO_MANY_PARAMETERS,
              "more than " + limits.parameters() + " parameters");
        }
      }
      return parameters;
    }

    private String key() throws ParseException {
      if (atEnd() || !(isLcAlpha(peek()) || peek() == '*')) {
        throw new ParseException("expected a key at " + pos);
      }
      int start = pos;
      while (!atEnd()) {
        char c = peek();
        if (!(isLcAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*')) {
          break;
        }
        pos++;
      }
      return in.substring(start, pos);
    }

    private BareItem bareItem() throws ParseException {
      if (atEnd()) {
        throw new ParseException("expected an item at the end");
      }
      char c = peek();
      if (c == '-' || isDigit(c)) {
        return number();
      }
      if (c == '"') {
        return string();
      }
      if (c == ':') {
        return bytes();
      }
      if (c == '?') {
        return bool();
      }
      if (isAlpha(c) || c == '*') {
        return token();
      }
      throw new ParseException("unexpected '" + c + "' at " + pos);
    }

    private BareItem number() throws ParseException {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      if (atEnd() || !isDigit(peek())) {
        throw new ParseException("expected a digit at " + pos);
      }
      int digitsStart = pos;
      int dot = -1;
      while (!atEnd()) {
        char c = peek();
        if (isDigit(c)) {
          pos++;
        } else if (c == '.' && dot < 0) {
          if (pos - digitsStart > 12) {
            throw new ParseException("decimal too long");
          }
          dot = pos;
          pos++;
        } else {
          break;
        }
        if (dot < 0 && pos - digitsStart > 15) {
          throw new ParseException("integer too long");
        }
        if (dot >= 0 && pos - dot - 1 > 3) {
          throw new ParseException("decimal has more than 3 fractional digits");
        }
      }
      String text = in.substring(start, pos);
      if (dot < 0) {
        long value = Long.parseLong(text);
        if (Math.abs(value) > MAX_INTEGER) {
          throw new ParseException("integer out of range");
        }
        return new SfInteger(value);
      }
      if (dot == pos - 1) {
        throw new ParseException("decimal ends with '.'");
      }
      return new SfDecimal(new BigDecimal(text));
    }

    private SfString string() throws ParseException {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (!atEnd()) {
        char c = in.charAt(pos++);
        if (c == '\\') {
          if (atEnd()) {
            throw new ParseException("string ends with '\\'");
          }
          char next = in.charAt(pos++);
          if (next != '"' && next != '\\') {
            throw new ParseException("invalid escape in string");
          }
          out.append(next);
        } else if (c == '"') {
          return new SfString(out.toString());
        } else if (c < 0x20 || c > 0x7e) {
          throw new ParseException("invalid character in string");
        } else {
          out.append(c);
        }
      }
      throw new ParseException("unterminated string");
    }

    private SfToken token() {
      int start = pos;
      pos++;
      while (!atEnd() && (isTchar(peek()) || peek() == ':' || peek() == '/')) {
        pos++;
      }
      return new SfToken(in.substring(start, pos));
    }

    private SfBytes bytes() throws ParseException {
      expect(':');
      int start = pos;
      while (!atEnd() && peek() != ':') {
        char c = peek();
        if (!(isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=')) {
          throw new ParseException("invalid character in byte sequence");
        }
        pos++;
      }
      if (atEnd()) {
        throw new ParseException("unterminated byte sequence");
      }
      String base64 = in.substring(start, pos);
      pos++;
      try {
        return new SfBytes(Base64.getDecoder().decode(base64));
      } catch (IllegalArgumentException e) {
        throw new ParseException("invalid base64 in byte sequence");
      }
    }

    private SfBoolean bool() throws ParseException {
      expect('?');
      if (!atEnd() && peek() == '1') {
        pos++;
        return new SfBoolean(true);
      }
      if (!atEnd() && peek() == '0') {
        pos++;
        return new SfBoolean(false);
      }
      throw new ParseException("invalid boolean");
    }

    private void expect(char c) throws ParseException {
      if (atEnd() || peek() != c) {
        throw new ParseException("expected '" + c + "' at " + pos);
      }
      pos++;
    }

    private void skipSp() {
      while (!atEnd() && peek() == ' ') {
        pos++;
      }
    }

    private void skipOws() {
      while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
        pos++;
      }
    }

    private boolean atEnd() {
      return pos >= in.length();
    }

    private char peek() {
      return in.charAt(pos);
    }

    private static boolean isLcAlpha(char c) {
      return c >= 'a' && c <= 'z';
    }

    private static boolean isAlpha(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static boolean isTchar(char c) {
      return isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
  }
}
