package io.meshgate.config.validate;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.CaSource;
import io.meshgate.config.model.HealthCheckType;
import io.meshgate.config.model.MeshBridgeSpec;
import io.meshgate.config.model.SidecarSpec;
import io.meshgate.config.model.SidecarUpstream;
import io.meshgate.config.model.StaticEndpoint;
import io.meshgate.config.model.WorkloadPort;
import io.meshgate.config.model.WorkloadSpec;
import io.meshgate.config.schema.Wire;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Backends, Workloads, Sidecars and MeshBridges: sources, addresses, port clashes. */
final class BackendRules {
  private BackendRules() {}

  static void check(BackendSpec backend, Problems problems) {
    SpecRules.atLeastOne(
        "/spec",
        "a Backend",
        List.of("static", "consul", "nomad", "dns", "workloads"),
        Arrays.asList(
            backend.staticEndpoints(),
            backend.consul(),
            backend.nomad(),
            backend.dns(),
            backend.workloads()),
        problems);
    if (backend.staticEndpoints() != null) {
      Map<String, Integer> seen = new HashMap<>();
      List<StaticEndpoint> endpoints = backend.staticEndpoints().endpoints();
      for (int i = 0; i < endpoints.size(); i++) {
        StaticEndpoint endpoint = endpoints.get(i);
        String at = "/spec/static/endpoints/" + i;
        if (!Addresses.isIpOrHostname(endpoint.address())) {
          problems.add(at + "/address", "must be an IP address or a DNS name", endpoint.address());
        }
        Integer first = seen.putIfAbsent(endpoint.address() + ":" + endpoint.port(), i);
        if (first != null) {
          problems.add(
              at,
              "duplicate endpoint "
                  + endpoint.address()
                  + ":"
                  + endpoint.port()
                  + " (also "
                  + problems.item("/spec/static/endpoints/" + first)
                  + ")",
              null);
        }
      }
    }
  }

  static void check(WorkloadSpec workload, Problems problems) {
    if (!Addresses.isIpOrHostname(workload.address())) {
      problems.add("/spec/address", "must be an IP address or a DNS name", workload.address());
    }
    Map<String, Integer> names = new HashMap<>();
    Map<Integer, Integer> numbers = new HashMap<>();
    for (int i = 0; i < workload.ports().size(); i++) {
      WorkloadPort port = workload.ports().get(i);
      Integer sameName = names.putIfAbsent(port.name(), i);
      if (sameName != null) {
        problems.add(
            "/spec/ports/" + i + "/name",
            "duplicate port name (also " + problems.item("/spec/ports/" + sameName) + ")",
            port.name());
      }
      Integer sameNumber = numbers.putIfAbsent(port.port(), i);
      if (sameNumber != null) {
        problems.add(
            "/spec/ports/" + i + "/port",
            "duplicate port (also " + problems.item("/spec/ports/" + sameNumber) + ")",
            port.port());
      }
    }
    if (workload.health() != null && workload.health().check() != null) {
      var check = workload.health().check();
      if (check.port() != null && !names.containsKey(check.port())) {
        problems.add(
            "/spec/health/check/port",
            "names no port of this workload (ports: "
                + String.join(", ", names.keySet().stream().sorted().toList())
                + ")",
            check.port());
      }
      if (check.path() != null && check.type() != HealthCheckType.HTTP) {
        problems.add("/spec/health/check/path", "only for type HTTP", check.path());
      }
    }
  }

  static void check(SidecarSpec sidecar, Problems problems) {
    int inbound = sidecar.inbound().port();
    if (inbound == sidecar.inbound().localPort()) {
      problems.add(
          "/spec/inbound/localPort",
          "must differ from inbound.port: the sidecar and the application would both bind "
              + inbound,
          inbound);
    }
    Map<String, Integer> binds = new HashMap<>();
    for (int i = 0; i < sidecar.upstreams().size(); i++) {
      SidecarUpstream upstream = sidecar.upstreams().get(i);
      String at = "/spec/upstreams/" + i + "/localBindPort";
      int port = upstream.localBindPort();
      if (port == inbound || port == sidecar.inbound().localPort()) {
        problems.add(
            at,
            "clashes with the inbound ports ("
                + inbound
                + ", "
                + sidecar.inbound().localPort()
                + ")",
            port);
      }
      Integer first = binds.putIfAbsent(upstream.localBindAddress() + ":" + port, i);
      if (first != null) {
        problems.add(
            at,
            "two upstreams bind "
                + upstream.localBindAddress()
                + ":"
                + port
                + " (also "
                + problems.item("/spec/upstreams/" + first)
                + ")",
            port);
      }
    }
  }

  static void check(MeshBridgeSpec bridge, Problems problems) {
    CaSource ca = bridge.ca();
    SpecRules.exactlyOne(
        "/spec/ca",
        "ca",
        List.of("consul", "istio", "builtin"),
        Arrays.asList(ca.consul(), ca.istio(), ca.builtin()),
        problems);
    String expected =
        switch (bridge.mesh()) {
          case CONSUL -> "consul";
          case ISTIO -> "istio";
          case STANDALONE -> "builtin";
        };
    Object chosen =
        switch (bridge.mesh()) {
          case CONSUL -> ca.consul();
          case ISTIO -> ca.istio();
          case STANDALONE -> ca.builtin();
        };
    if (chosen == null) {
      problems.add(
          "/spec/ca/" + expected, "is required for mesh " + Wire.name(bridge.mesh()), null);
    }
    if (ca.istio() != null && ca.istio().token() != null) {
      problems.add(
          "/spec/ca/istio/token",
          "is not supported: Istio's service account tokens expire within hours; give the nodes a"
              + " token file their platform refreshes (MESHGATE_ISTIO_TOKEN_FILE)",
          null);
    }
    if (ca.istio() != null) {
      SpecRules.exactlyOne(
          "/spec/ca/istio",
          "ca.istio",
          List.of("address", "pluggedIn"),
          Arrays.asList(ca.istio().address(), ca.istio().usesPluggedIn() ? Boolean.TRUE : null),
          problems);
    }
  }
}
