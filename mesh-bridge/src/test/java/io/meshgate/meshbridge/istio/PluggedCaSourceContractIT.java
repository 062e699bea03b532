package io.meshgate.meshbridge.istio;

import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.IdentitySourceContract;
import io.meshgate.meshbridge.identity.ManualClock;
import io.meshgate.meshbridge.identity.SpiffeId;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity-source contract, run against an Istio mesh's plugged-in CA: a {@code cacerts}
 * directory with a root and an intermediate, rotated to a new root and intermediate with both roots
 * in root-cert.pem. No process of its own; named *IT as the other sources' contract runs are.
 */
class PluggedCaSourceContractIT extends IdentitySourceContract {
  private static final String DOMAIN = "cluster.local";

  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private Cacerts.Ca root;

  @Override
  protected IdentitySource start() {
    root = Cacerts.root("mesh root 1", clock.instant());
    Cacerts.write(dir, Cacerts.intermediate(root, "istio ca 1", clock.instant()), root);
    return PluggedCaSource.start(
        new PluggedCaSettings(dir, DOMAIN, Duration.ofHours(24), Duration.ofHours(1)), clock);
  }

  @Override
  protected SpiffeId idToAskFor(IdentitySource source) {
    return SpiffeId.workload(DOMAIN, "edge", "gateway");
  }

  @Override
  protected X509Certificate rotate(IdentitySource source) {
    Cacerts.Ca newRoot = Cacerts.root("mesh root 2", clock.instant());
    Cacerts.Ca newIntermediate = Cacerts.intermediate(newRoot, "istio ca 2", clock.instant());
    Cacerts.write(
        dir,
        newIntermediate,
        List.of(newIntermediate.certificate(), newRoot.certificate()),
        List.of(root.certificate(), newRoot.certificate()));
    ((PluggedCaSource) source).check();
    return newRoot.certificate();
  }

  @Override
  protected Instant now() {
    return clock.instant();
  }
}
