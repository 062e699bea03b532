package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A run's record, one line per happening, each with the milliseconds since the run started and who
 * saw it: {@code 12345 nemesis kill -9 replica r1}. Written as it happens (flushed per line) so
 * that a run killed from outside still leaves it. Thread-safe.
 */
public final class Timeline implements AutoCloseable {
  private final Path file;
  private final BufferedWriter out;
  private final long startNanos = System.nanoTime();

  public Timeline(Path file) {
    this.file = requireNonNull(file, "file");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      out =
          Files.newBufferedWriter(
              file,
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the timeline " + file, e);
    }
  }

  public Path file() {
    return file;
  }

  /** Milliseconds since the run started. */
  public long now() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  public synchronized void log(String who, String what) {
    try {
      out.write(String.format("%7d %-10s %s%n", now(), who, what));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the timeline " + file, e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the timeline " + file, e);
    }
  }
}
