package io.meshgate.xds.resolve;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ReferenceGrantFrom;
import io.meshgate.config.model.ReferenceGrantSpec;
import io.meshgate.config.model.ReferenceGrantTo;
import io.meshgate.config.model.Resource;
import io.meshgate.config.store.ConfigSnapshot;

/** Gateway API's rule: a reference into another namespace needs a ReferenceGrant there. */
final class ReferenceGrants {
  private ReferenceGrants() {}

  /**
   * Whether {@code from} (a route) may refer to {@code toGroup/toKind/toName} in {@code
   * toNamespace}. A reference within the same namespace is always allowed.
   */
  static boolean allows(
      ConfigSnapshot config,
      Resource from,
      String toGroup,
      String toKind,
      String toNamespace,
      String toName) {
    if (from.metadata().namespace().equals(toNamespace)) {
      return true;
    }
    for (Resource grant : config.ofKind(Kind.REFERENCE_GRANT)) {
      if (!grant.metadata().namespace().equals(toNamespace)) {
        continue;
      }
      ReferenceGrantSpec spec = grant.spec(ReferenceGrantSpec.class);
      boolean fromMatches = false;
      for (ReferenceGrantFrom f : spec.from()) {
        fromMatches |=
            f.group().equals(from.kind().group())
                && f.kind().equals(from.kind().wireName())
                && f.namespace().equals(from.metadata().namespace());
      }
      if (!fromMatches) {
        continue;
      }
      for (ReferenceGrantTo t : spec.to()) {
        if (t.group().equals(toGroup)
            && t.kind().equals(toKind)
            && (t.name() == null || t.name().equals(toName))) {
          return true;
        }
      }
    }
    return false;
  }
}
