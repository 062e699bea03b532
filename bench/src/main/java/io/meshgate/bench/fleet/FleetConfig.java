package io.meshgate.bench.fleet;

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
}
