package io.meshgate.xds.cli;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.snapshot.GroupSnapshot;
import java.util.Comparator;
import java.util.List;

/**
 * One build of the pipeline from files, with nothing outside the process: the endpoints the config
 * lists itself (no registered Workloads, no Consul), the key material the given loader opens, no
 * mesh CA (Envoys get no mesh identity, as on a replica without one), and every OIDC issuer still
 * pending discovery. The build is the production one ({@link SnapshotBuilder#build}: resolve, the
 * envoy stage, Envoy's validation rules), so the snapshots and Problems are those a replica with
 * the same settings would serve and report.
 *
 * @param snapshots every group that translated, by name
 * @param problems what the server would report, in the order it reports them
 */
record OfflineTranslation(List<GroupSnapshot> snapshots, List<Problem> problems) {
  OfflineTranslation {
    snapshots = List.copyOf(snapshots);
    problems = List.copyOf(problems);
  }

  static OfflineTranslation of(ConfigSnapshot config, KeyLoader keys, MeshSettings mesh) {
    requireNonNull(config, "config");
    Inputs inputs =
        new Inputs(
            config,
            StaticEndpointSource.from(config),
            keys.ringFor(config),
            Identities.empty(),
            IssuerSnapshot.empty());
    SnapshotBuilder.Build build = new SnapshotBuilder(mesh).build(inputs);
    return new OfflineTranslation(
        build.snapshots().stream().sorted(Comparator.comparing(GroupSnapshot::group)).toList(),
        build.resolved().problems());
  }
}
