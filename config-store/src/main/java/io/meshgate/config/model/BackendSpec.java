package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A meshgate Backend: a protocol and one or more sources of endpoints, merged (an endpoint two
 * sources report is one endpoint: the least healthy report, the largest weight, the first
 * priority).
 */
@Doc(
    "A meshgate Backend: a protocol and one or more sources of endpoints, merged (an endpoint two sources report is one endpoint: the least healthy report, the largest weight, the first priority).")
public record BackendSpec(
    @Default("HTTP") @Doc("HTTP, HTTP2, GRPC (HTTP/2 upstream) or TCP.") BackendProtocol protocol,
    @Doc("Endpoints listed here.") @JsonProperty("static") StaticEndpoints staticEndpoints,
    ConsulSource consul,
    NomadSource nomad,
    DnsSource dns,
    WorkloadSource workloads,
    @Doc("Set when the Backend is in the mesh: reached with mTLS, called only with permission.")
        BackendMesh mesh,
    @Doc(
            "The Istio service this Backend is, when it is inside an Istio MeshBridge; its endpoints are then the east-west gateway's.")
        IstioService istio)
    implements Spec {

  /** The endpoint sources set, in field order; a valid Backend has at least one. */
  public List<EndpointSource> sources() {
    return Stream.of(staticEndpoints, consul, nomad, dns, workloads)
        .filter(Objects::nonNull)
        .map(EndpointSource.class::cast)
        .toList();
  }

  public BackendSpec {
    protocol = protocol == null ? BackendProtocol.HTTP : protocol;
  }

  /** Not an Istio service. */
  public BackendSpec(
      BackendProtocol protocol,
      StaticEndpoints staticEndpoints,
      ConsulSource consul,
      NomadSource nomad,
      DnsSource dns,
      WorkloadSource workloads,
      BackendMesh mesh) {
    this(protocol, staticEndpoints, consul, nomad, dns, workloads, mesh, null);
  }
}
