package io.meshgate.xds.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two texts (longest common subsequence), printed as {@code -}/{@code +}/{@code }
 * lines like {@code diff -u} without hunk headers: specs are short enough to show whole.
 */
final class SpecDiff {
  private SpecDiff() {}

  static List<String> lines(String from, String to) {
    String[] a = from.split("\n", -1);
    String[] b = to.split("\n", -1);
    int[][] common = new int[a.length + 1][b.length + 1];
    for (int i = a.length - 1; i >= 0; i--) {
      for (int j = b.length - 1; j >= 0; j--) {
        common[i][j] =
            a[i].equals(b[j])
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i].equals(b[j])) {
        out.add("  " + a[i]);
        i++;
        j++;
      } else if (i < a.length && (j == b.length || common[i + 1][j] >= common[i][j + 1])) {
        out.add("- " + a[i]);
        i++;
      } else {
        out.add("+ " + b[j]);
        j++;
      }
    }
    // The texts end with a newline: drop the empty last line both share.
    if (!out.isEmpty() && out.get(out.size() - 1).equals("  ")) {
      out.remove(out.size() - 1);
    }
    return out;
  }
}
