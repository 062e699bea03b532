package io.meshgate.xds.cli;

import static java.util.Objects.requireNonNull;

import java.io.PrintWriter;

/**
 * One line of {@code meshgate check}: a mark, what was checked and what was found, and for a
 * failure or a warning one hint on what to look at.
 */
record CheckLine(CheckLine.Mark mark, String area, String finding, String hint) {
  /** How a check came out. */
  enum Mark {
    PASS("✓"),
    WARN("!"),
    FAIL("✗");

    private final String symbol;

    Mark(String symbol) {
      this.symbol = symbol;
    }

    String symbol() {
      return symbol;
    }
  }

  CheckLine {
    requireNonNull(mark, "mark");
    requireNonNull(area, "area");
    requireNonNull(finding, "finding");
    requireNonNull(hint, "hint");
  }

  static CheckLine pass(String area, String finding) {
    return new CheckLine(Mark.PASS, area, finding, "");
  }

  static CheckLine warn(String area, String finding, String hint) {
    return new CheckLine(Mark.WARN, area, finding, hint);
  }

  static CheckLine fail(String area, String finding, String hint) {
    return new CheckLine(Mark.FAIL, area, finding, hint);
  }

  /** {@code ✗ etcd: ...} and, for a failure or a warning, an indented hint. */
  void print(PrintWriter out) {
    out.println(mark.symbol() + " " + area + ": " + finding);
    if (!hint.isEmpty()) {
      out.println("    hint: " + hint);
    }
    out.flush();
  }
}
