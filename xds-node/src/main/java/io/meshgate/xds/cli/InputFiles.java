package io.meshgate.xds.cli;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The documents named by {@code -f}: files, directories (their *.yaml, *.yml and *.json files,
 * sorted by name; with {@code recursive}, subdirectories too), or {@code -} for standard input.
 * Empty documents (a trailing {@code ---}, only comments) are skipped, as kubectl skips them, so
 * validate, apply and seal see the same documents with the same indexes.
 */
final class InputFiles {
  private InputFiles() {}

  static List<Document> read(List<String> names, boolean recursive, InputStream stdin) {
    List<Document> documents = new ArrayList<>();
    for (String name : names) {
      if (name.equals("-")) {
        documents.addAll(YamlDocuments.read("-", readAll(stdin)));
        continue;
      }
      Path path = Path.of(name);
      if (Files.isDirectory(path)) {
        for (Path file : files(path, recursive)) {
          documents.addAll(YamlDocuments.read(file.toString(), readFile(file)));
        }
      } else {
        documents.addAll(YamlDocuments.read(name, readFile(path)));
      }
    }
    return documents;
  }

  private static List<Path> files(Path dir, boolean recursive) {
    try (Stream<Path> walk = recursive ? Files.walk(dir) : Files.list(dir)) {
      return walk.filter(Files::isRegularFile)
          .filter(
              f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String readFile(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException("no such file: " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static String readAll(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read standard input: " + e.getMessage(), e);
    }
  }
}
