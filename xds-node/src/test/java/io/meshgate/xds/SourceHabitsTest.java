package io.meshgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Habits of the source that no compiler checks, over the main code of xds-node, config-store and
 * mesh-bridge. Reads the files, not the classes: what is checked is how the code reads.
 */
class SourceHabitsTest {
  private static final Path REPOSITORY = Path.of("..");
  private static final List<String> SOURCE_ROOTS =
      List.of("xds-node/src/main/java", "config-store/src/main/java", "mesh-bridge/src/main/java");

  /**
   * A qualified type name written in code: lower-case package parts, then a capitalised name. Only
   * the usual top-level packages, so that {@code state.known} or {@code cluster.Builder} (a field,
   * a nested type) do not count.
   */
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile(
          "\\b(?:java|javax|jakarta|io|com|org|net|picocli|jdk|sun)(?:\\.[a-z_][a-z0-9_]*)*"
              + "\\.([A-Z]\\w*)");

  private static final Pattern IMPORT =
      Pattern.compile("^import\\s+(?!static\\s)([\\w.]+)\\.(\\w+)\\s*;", Pattern.MULTILINE);

  @Test
  void typesAreImportedNotQualifiedInline() {
    // given every main source file
    Map<String, List<String>> found = new HashMap<>();
    for (Path file : sourceFiles()) {
      // when its code (not comments, strings, imports) names a type by its qualified name
      List<String> names = inlineQualifiedNames(read(file));
      if (!names.isEmpty()) {
        found.put(REPOSITORY.relativize(file).toString().replace('\\', '/'), names);
      }
    }
    // then there is none
    assertThat(new TreeMap<>(found))
        .as(
            "inline qualified names: import the type (a clash with another import of the same"
                + " simple name is the one excuse)")
        .isEmpty();
  }

  @Test
  void theScanSeesCodeOnly() {
    String source =
        """
        package a.b;

        import java.util.List;
        import java.util.concurrent.TimeoutException;

        /** Uses {@link java.util.Optional} and java.util.Map in prose. */
        class C {
          // java.util.Set in a comment
          String s = "java.util.Deque in a string";
          java.util.Queue<String> queue;
          boolean kafka(Exception e) {
            return e instanceof org.apache.kafka.common.errors.TimeoutException;
          }
        }
        """;

    assertThat(inlineQualifiedNames(source)).containsExactly("10: java.util.Queue");
  }

  /**
   * Each qualified name in code, as {@code line: name}. A name whose simple name the file imports
   * for another type is allowed: there the qualified name is the only way to write it.
   */
  static List<String> inlineQualifiedNames(String source) {
    Map<String, String> imported = new HashMap<>();
    Matcher imports = IMPORT.matcher(source);
    while (imports.find()) {
      imported.put(imports.group(2), imports.group(1) + "." + imports.group(2));
    }
    List<String> names = new ArrayList<>();
    String[] lines = codeOnly(source).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.startsWith("import ") || line.startsWith("package ")) {
        continue;
      }
      Matcher name = QUALIFIED_NAME.matcher(lines[i]);
      while (name.find()) {
        String other = imported.get(name.group(1));
        if (other == null || other.equals(name.group())) {
          names.add((i + 1) + ": " + name.group());
        }
      }
    }
    return names;
  }

  /** The source with comments and string and character literals blanked, lines kept. */
  static String codeOnly(String source) {
    StringBuilder code = new StringBuilder(source.length());
    int i = 0;
    while (i < source.length()) {
      int end;
      if (source.startsWith("//", i)) {
        end = source.indexOf('\n', i);
        end = end < 0 ? source.length() : end;
      } else if (source.startsWith("/*", i)) {
        end = source.indexOf("*/", i + 2);
        end = end < 0 ? source.length() : end + 2;
      } else if (source.startsWith("\"\"\"", i)) {
        end = source.indexOf("\"\"\"", i + 3);
        end = end < 0 ? source.length() : end + 3;
      } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
        char quote = source.charAt(i);
        end = i + 1;
        while (end < source.length() && source.charAt(end) != quote) {
          end += source.charAt(end) == '\\' ? 2 : 1;
        }
        end = Math.min(end + 1, source.length());
      } else {
        code.append(source.charAt(i++));
        continue;
      }
      for (int j = i; j < end; j++) {
        code.append(source.charAt(j) == '\n' ? '\n' : ' ');
      }
      i = end;
    }
    return code.toString();
  }

  private static List<Path> sourceFiles() {
    List<Path> files = new ArrayList<>();
    for (String root : SOURCE_ROOTS) {
      try (Stream<Path> walk = Files.walk(REPOSITORY.resolve(root))) {
        walk.filter(p -> p.toString().endsWith(".java")).sorted().forEach(files::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertThat(files).as("main sources under %s", REPOSITORY.toAbsolutePath()).isNotEmpty();
    return files;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
