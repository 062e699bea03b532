package io.meshgate.xds.translate;

import io.meshgate.config.store.ConfigSnapshot;

/** Config snapshots from YAML for tests outside this package. */
public final class TestConfigs {
  private TestConfigs() {}

  public static ConfigSnapshot snapshot(String yaml) {
    return Cases.snapshot(yaml);
  }
}
