package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/** A meshgate Backend: a protocol and exactly one source of endpoints. */
@Doc("A meshgate Backend: a protocol and exactly one source of endpoints.")
public record BackendSpec(
    @Default("HTTP") @Doc("HTTP, HTTP2, GRPC (HTTP/2 upstream) or TCP.") BackendProtocol protocol,
    @Doc("Endpoints listed here.") @JsonProperty("static") StaticEndpoints staticEndpoints,
    ConsulSource consul,
    NomadSource nomad,
    DnsSource dns,
    WorkloadSource workloads)
    implements Spec {

  /** The endpoint source; exactly one is set in a valid Backend. */
  public EndpointSource source() {
    List<EndpointSource> sources =
        Stream.of(staticEndpoints, consul, nomad, dns, workloads)
            .filter(Objects::nonNull)
            .map(EndpointSource.class::cast)
            .toList();
    if (sources.size() != 1) {
      throw new IllegalStateException(
          "a Backend has exactly one endpoint source; this one has " + sources.size());
    }
    return sources.get(0);
  }

  public BackendSpec {
    protocol = protocol == null ? BackendProtocol.HTTP : protocol;
  }
}
