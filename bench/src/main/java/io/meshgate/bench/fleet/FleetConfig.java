package io.meshgate.bench.fleet;

import java.util.ArrayList;
import java.util.List;

/**
 * The config the fleet is served: one gRPC Backend with 20 endpoints and one GRPCRoute attached to
 * it (mesh style, so every proxyless client gets it), whose request header carries the marker
 * {@code bench-vN} that tells a client which change it holds.
 */
final class FleetConfig {
  private FleetConfig() {}

  static String yaml(int version) {
    StringBuilder endpoints = new StringBuilder();
    for (int e = 0; e < 20; e++) {
      endpoints
          .append(e == 0 ? "" : ", ")
          .append("{address: 10.1.0.")
          .append(e + 1)
          .append(", port: 50051, zone: z1}");
    }
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo}
        spec: {protocol: GRPC, static: {endpoints: [ENDPOINTS]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: echo}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: echo}]
          rules:
            - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: x-bench, value: bench-vVERSION}]}
              backendRefs: [{name: echo}]
        """
        .replace("ENDPOINTS", endpoints)
        .replace("VERSION", Integer.toString(version));
  }

  static final int CHURN_BACKENDS = 1_000;
  static final int CHURN_ENDPOINTS = 20;

  /** Backends changed per tick: 1 % of the 20,000 endpoints, one endpoint in each. */
  static final int CHURN_PER_TICK = 200;

  /**
   * Scenario 3's config at a tick: 1,000 Backends of 20 endpoints; at tick t the Backends {@code (t
   * * 200 + k) mod 1000} (k < 200) have their first endpoint on port 9000 + t, the others on 9000
   * (so 1 % of the endpoints change per tick).
   */
  static String churnYaml(int tick) {
    List<String> documents = new ArrayList<>();
    for (int b = 0; b < CHURN_BACKENDS; b++) {
      documents.add(churnBackend(b, tick));
    }
    return String.join("---\n", documents);
  }

  static String churnBackend(int backend, int tick) {
    int port = 9000 + lastTick(backend, tick);
    StringBuilder yaml =
        new StringBuilder("apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: svc-")
            .append(backend)
            .append("}\nspec: {static: {endpoints: [");
    for (int e = 0; e < CHURN_ENDPOINTS; e++) {
      yaml.append(e == 0 ? "" : ", ")
          .append("{address: 10.")
          .append(2 + backend / 250)
          .append('.')
          .append(backend % 250)
          .append('.')
          .append(e + 1)
          .append(", port: ")
          .append(e == 0 ? port : 9000)
          .append(", zone: z1}");
    }
    return yaml.append("]}}\n").toString();
  }

  /** The last tick (≤ t) at which a Backend changed; 0 when never. */
  static int lastTick(int backend, int tick) {
    for (int t = tick; t > 0; t--) {
      if (changedAt(backend, t)) {
        return t;
      }
    }
    return 0;
  }

  static boolean changedAt(int backend, int tick) {
    int first = (tick * CHURN_PER_TICK) % CHURN_BACKENDS;
    int offset = Math.floorMod(backend - first, CHURN_BACKENDS);
    return tick > 0 && offset < CHURN_PER_TICK;
  }
}
