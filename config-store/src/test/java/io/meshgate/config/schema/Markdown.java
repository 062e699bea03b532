package io.meshgate.config.schema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The bits of GitHub-flavoured Markdown the reference needs: code spans, cells, links, anchors. */
final class Markdown {
  private static final Pattern LOCAL_LINK = Pattern.compile("\\]\\(#([^)\\s]+)\\)");
  private static final Pattern BACKTICKS = Pattern.compile("`+");

  private Markdown() {}

  /** A code span that survives backticks in the text; the empty string shows as {@code ""}. */
  static String code(String text) {
    if (text.isEmpty()) {
      return "`\"\"`";
    }
    int longest = 0;
    Matcher run = BACKTICKS.matcher(text);
    while (run.find()) {
      longest = Math.max(longest, run.group().length());
    }
    String fence = "`".repeat(longest + 1);
    String padding = longest > 0 ? " " : "";
    return fence + padding + text + padding + fence;
  }

  /** Text for one table cell: a pipe would end the cell, a newline the table. */
  static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }

  /** One table row; each cell escaped. */
  static String row(String... cells) {
    StringBuilder row = new StringBuilder("|");
    for (String cell : cells) {
      row.append(' ').append(cell(cell)).append(" |");
    }
    return row.toString();
  }

  /** A link to the heading with this text. */
  static String link(String text, String heading) {
    return "[" + text + "](#" + anchor(heading) + ")";
  }

  /** The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces as hyphens. */
  static String anchor(String heading) {
    StringBuilder anchor = new StringBuilder();
    for (char c : heading.strip().toLowerCase(Locale.ROOT).toCharArray()) {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        anchor.append(c);
      } else if (c == ' ') {
        anchor.append('-');
      }
    }
    return anchor.toString();
  }

  /** The texts of the headings outside code blocks, in order. */
  static List<String> headings(String markdown) {
    List<String> headings = new ArrayList<>();
    boolean fenced = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced && line.startsWith("#")) {
        headings.add(line.replaceFirst("^#+\\s*", ""));
      }
    }
    return headings;
  }

  /**
   * Fails on two headings with one anchor (GitHub would number the second, and links would land on
   * the first) and on a link to an anchor no heading has.
   */
  static void checkLinks(String markdown) {
    Map<String, String> anchors = new HashMap<>();
    for (String heading : headings(markdown)) {
      String previous = anchors.put(anchor(heading), heading);
      if (previous != null) {
        throw new IllegalStateException(
            "headings '"
                + previous
                + "' and '"
                + heading
                + "' share the anchor "
                + anchor(heading));
      }
    }
    List<String> broken = new ArrayList<>();
    Matcher link = LOCAL_LINK.matcher(markdown);
    while (link.find()) {
      if (!anchors.containsKey(link.group(1))) {
        broken.add("#" + link.group(1));
      }
    }
    if (!broken.isEmpty()) {
      throw new IllegalStateException("links to missing headings: " + broken);
    }
  }
}
