package io.meshgate.meshbridge.istio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the four files of a {@code cacerts} directory look like from outside: per file its
 * modification time, size and file key (the inode, where the file system has one). A different
 * stamp means the files were written, replaced or removed since; the same stamp, that rereading
 * them is pointless. Links are followed: a Kubernetes secret volume swaps a symlink to a new
 * directory, so the files it points to have new keys.
 *
 * @param files one entry per file of {@link PluggedCa#FILES}, in that order
 */
record CacertsStamp(List<FileStamp> files) {
  /** One file's look: all empty when it is missing or cannot be looked at. */
  record FileStamp(String name, long modifiedNanos, long size, String fileKey) {}

  CacertsStamp {
    files = List.copyOf(files);
  }

  static CacertsStamp of(Path directory) {
    List<FileStamp> files = new ArrayList<>();
    for (String name : PluggedCa.FILES) {
      Path file = directory.resolve(name);
      try {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        files.add(
            new FileStamp(
                name,
                attributes.lastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L
                    + attributes.lastModifiedTime().toInstant().getNano(),
                attributes.size(),
                Objects.toString(attributes.fileKey(), "")));
      } catch (IOException e) {
        files.add(new FileStamp(name, -1, -1, ""));
      }
    }
    return new CacertsStamp(files);
  }
}
