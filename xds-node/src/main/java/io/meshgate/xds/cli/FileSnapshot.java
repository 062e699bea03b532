package io.meshgate.xds.cli;

import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import java.util.List;
import java.util.TreeMap;

/**
 * Validated resources from files as the pipeline would see them stored: each at generation 1, in
 * file order (the first document is the oldest, which decides "oldest wins" conflicts as the order
 * of {@code apply} would). A later document with the same kind, namespace and name replaces the
 * earlier one, as a second {@code apply} would.
 */
final class FileSnapshot {
  private FileSnapshot() {}

  static ConfigSnapshot of(List<Resource> resources) {
    TreeMap<ResourceKey, Resource> byKey = new TreeMap<>();
    long revision = 0;
    for (Resource resource : resources) {
      revision++;
      byKey.put(
          resource.key(),
          resource.withMetadata(
              resource.metadata().withBookkeeping("file-" + revision, 1, revision)));
    }
    return new ConfigSnapshot(revision, byKey);
  }
}
