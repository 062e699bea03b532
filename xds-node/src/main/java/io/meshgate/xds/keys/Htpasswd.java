package io.meshgate.xds.keys;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * htpasswd lines as Envoy's {@code basic_auth} takes them: {@code
 * user:{SHA}base64(sha1(password))}, the only hash it accepts. Pure: it reads a value already
 * opened and neither logs nor keeps it. What it refuses names the line and the user, never the
 * hash.
 */
public final class Htpasswd {
  /** A hash Envoy accepts: {SHA} and the base64 of SHA-1's 20 bytes (28 characters). */
  private static final String SHA = "{SHA}";

  private Htpasswd() {}

  /** One user and the hash of their password. {@link #toString()} leaves the hash out. */
  public record User(String name, String hash) {
    public User {
      requireNonNull(name, "name");
      requireNonNull(hash, "hash");
    }

    @Override
    public String toString() {
      return "User[" + name + ", hash redacted]";
    }
  }

  /**
   * A line that cannot be used.
   *
   * @param line its number, from 1
   * @param user the user it names; null when it names none that can be shown
   * @param reason what is wrong, without the hash
   */
  public record Refusal(int line, String user, String reason) {
    public Refusal {
      requireNonNull(reason, "reason");
    }

    /** "line 3 (user 'bob'): reason". */
    public String message() {
      return "line " + line + (user == null ? "" : " (user '" + user + "')") + ": " + reason;
    }
  }

  /** The users of a file, by name, and the lines refused. */
  public record Parsed(List<User> users, List<Refusal> refusals) {
    public Parsed {
      users = List.copyOf(users);
      refusals = List.copyOf(refusals);
    }
  }

  /**
   * Every user of an htpasswd file, sorted by name. Blank lines and lines starting with {@code #}
   * are skipped; a line ending in CR (a file saved on Windows) is read without it.
   */
  public static Parsed parse(String text) {
    Map<String, Integer> seen = new LinkedHashMap<>();
    Map<String, User> users = new TreeMap<>();
    List<Refusal> refusals = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int number = i + 1;
      String line =
          lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        refusals.add(new Refusal(number, null, "is not user:hash"));
        continue;
      }
      String name = line.substring(0, colon);
      String hash = line.substring(colon + 1);
      if (name.isEmpty()) {
        refusals.add(new Refusal(number, null, "has no user name"));
        continue;
      }
      if (!printable(name)) {
        refusals.add(
            new Refusal(
                number,
                null,
                "the user name holds a space or a character outside printable ASCII (it is"
                    + " forwarded in a header)"));
        continue;
      }
      String wrong = hashProblem(hash);
      if (wrong != null) {
        refusals.add(new Refusal(number, name, wrong));
        continue;
      }
      Integer first = seen.putIfAbsent(name, number);
      if (first != null) {
        refusals.add(new Refusal(number, name, "the user is also on line " + first));
        continue;
      }
      users.put(name, new User(name, hash));
    }
    return new Parsed(new ArrayList<>(users.values()), refusals);
  }

  /**
   * The users as Envoy gets them: one {@code user:{SHA}hash} line each, in name order, joined by
   * newlines (no comment, blank line or CR, which older Envoys refuse).
   */
  public static String lines(List<User> users) {
    StringBuilder text = new StringBuilder();
    for (User user : users) {
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append(user.name()).append(':').append(user.hash());
    }
    return text.toString();
  }

  /** Why a hash is not one Envoy accepts, naming its kind only; null when it is. */
  private static String hashProblem(String hash) {
    String accepts = "; Envoy's basic_auth accepts only {SHA} (htpasswd -s)";
    if (hash.startsWith(SHA)) {
      String encoded = hash.substring(SHA.length());
      try {
        if (encoded.length() == 28 && Base64.getDecoder().decode(encoded).length == 20) {
          return null;
        }
      } catch (IllegalArgumentException e) {
        // Not base64: said below.
      }
      return "the {SHA} hash is not the base64 of 20 bytes (28 characters)";
    }
    if (hash.startsWith("$2y$") || hash.startsWith("$2a$") || hash.startsWith("$2b$")) {
      return "a bcrypt hash" + accepts;
    }
    if (hash.startsWith("$apr1$")) {
      return "an MD5 (apr1) hash" + accepts;
    }
    if (hash.startsWith("$5$") || hash.startsWith("$6$")) {
      return "a SHA-2 crypt hash" + accepts;
    }
    return "not a hash Envoy knows (plaintext or crypt)" + accepts;
  }

  /** Visible ASCII, no space: what a header value carries unchanged. */
  static boolean printable(String text) {
    return !text.isEmpty() && text.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }
}
