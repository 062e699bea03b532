package io.meshgate.bench;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.Registrations;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.pipeline.Inputs;

/**
 * A build's inputs as a replica's pipeline makes them from build to build: the endpoints a config
 * lists from one {@link StaticEndpointSource} kept across configs, then the discovered endpoints
 * joined to them for each build. A warm benchmark that made fresh inputs instead would pay for
 * listing every Backend's endpoints again, which no replica does.
 */
final class PipelineInputs {
  private final StaticEndpointSource listed = new StaticEndpointSource();

  /** The inputs of a build of {@code config}, without discovered endpoints or key material. */
  Inputs of(ConfigSnapshot config) {
    return of(config, EndpointSnapshot.empty());
  }

  /** The same with {@code discovered} joined to the endpoints the config lists. */
  Inputs of(ConfigSnapshot config, EndpointSnapshot discovered) {
    return new Inputs(
        config, listed.endpoints(config, Registrations.empty()).with(discovered), KeyRing.empty());
  }
}
