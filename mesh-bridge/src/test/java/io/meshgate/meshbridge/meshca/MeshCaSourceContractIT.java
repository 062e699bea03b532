package io.meshgate.meshbridge.meshca;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.IdentitySourceContract;
import io.meshgate.meshbridge.identity.ManualClock;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.testkit.EtcdCluster;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The identity-source contract, run against meshgate's mesh CA in a real etcd. */
class MeshCaSourceContractIT extends IdentitySourceContract {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final String DOMAIN = "meshgate.local";
  private static final SealKeyPair SEAL = SealKeyPair.generate();

  private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private ScheduledExecutorService scheduler;
  private MeshCaRoots roots;

  @Override
  protected IdentitySource start() throws Exception {
    etcd.client()
        .getKVClient()
        .delete(ByteSequence.from(Keyspace.MESH_CA_ROOTS, UTF_8))
        .get(10, TimeUnit.SECONDS);
    roots = new MeshCaRoots(etcd.client(), DOMAIN, clock);
    roots.ensureInitialized(new Sealer(SEAL.publicKey()));
    scheduler = Executors.newSingleThreadScheduledExecutor();
    MeshCaSource source =
        MeshCaSource.open(
            etcd.newClient(),
            new Unsealer(SEAL.privateKey()),
            new MeshCaSettings(DOMAIN, Duration.ofHours(24)),
            clock,
            scheduler);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !source.snapshotFor(Set.of()).equals(IdentitySnapshot.empty()));
    return source;
  }

  @Override
  protected SpiffeId idToAskFor(IdentitySource source) {
    return SpiffeId.workload(DOMAIN, "edge", "gateway");
  }

  @Override
  protected X509Certificate rotate(IdentitySource source) throws Exception {
    MeshCaSource meshCa = (MeshCaSource) source;
    MeshCaRoot fresh = roots.rotate(new Sealer(SEAL.publicKey()), Duration.ofHours(1));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> meshCa.bundle().orElseThrow().rootsPem().size() == 2);
    // Past the propagation and one re-issue period: every leaf now comes from the new root.
    clock.set(fresh.signsFrom().plus(Duration.ofHours(16)));
    meshCa.check();
    return Pem.certificates(fresh.certificatePem(), "new root").get(0);
  }

  @Override
  protected Instant now() {
    return clock.instant();
  }

  @AfterEach
  void stopScheduler() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
