package io.meshgate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.opentest4j.AssertionFailedError;

/**
 * Golden files: expected outputs kept beside their inputs. {@code -Dgolden.update=true} rewrites
 * them from the current outputs (and deletes outputs no case produces any more); a mismatch fails
 * with the command that regenerates them.
 */
public final class GoldenFiles {
  public static final String UPDATE_PROPERTY = "golden.update";

  private GoldenFiles() {}

  public static boolean updating() {
    return Boolean.getBoolean(UPDATE_PROPERTY);
  }

  /** The case folders under {@code root}, sorted by name. */
  public static List<Path> cases(Path root) {
    try (Stream<Path> children = Files.list(root)) {
      return children.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list golden cases in " + root, e);
    }
  }

  public static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Asserts that {@code expected} holds exactly {@code actual}, or writes it when updating.
   *
   * @param module the Maven module, for the regeneration command in the failure message
   */
  public static void assertMatches(Path expected, String actual, String module) {
    if (updating()) {
      write(expected, actual);
      return;
    }
    if (!Files.exists(expected)) {
      throw new AssertionFailedError(
          "golden file " + expected + " is missing; create it with:\n  " + command(module));
    }
    String stored = read(expected);
    if (!stored.equals(actual)) {
      throw new AssertionFailedError(
          "output differs from golden file "
              + expected
              + "; if the change is intended, run:\n  "
              + command(module),
          stored,
          actual);
    }
  }

  /**
   * When updating, deletes files in {@code caseDir} whose names end with {@code suffix} that the
   * case no longer produces; otherwise fails if there are any.
   */
  public static void checkNoStaleOutputs(
      Path caseDir, String suffix, Set<String> produced, String module) {
    List<Path> stale = new ArrayList<>();
    try (Stream<Path> files = Files.list(caseDir)) {
      files
          .filter(f -> f.getFileName().toString().endsWith(suffix))
          .filter(f -> !produced.contains(f.getFileName().toString()))
          .forEach(stale::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (stale.isEmpty()) {
      return;
    }
    if (updating()) {
      stale.forEach(GoldenFiles::delete);
      return;
    }
    throw new AssertionFailedError(
        "stale golden outputs " + stale + "; remove them with:\n  " + command(module));
  }

  private static String command(String module) {
    return "mvn -pl "
        + module
        + " -am test -Dgolden.update=true -Dsurefire.failIfNoSpecifiedTests=false";
  }

  private static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file, e);
    }
  }
}
