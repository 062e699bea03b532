package io.meshgate.xds.translate;

import org.jspecify.annotations.Nullable;

/** Configs of the Consul and Istio bridge tests, in one place. */
public final class BridgeConfigs {
  private BridgeConfigs() {}

  /**
   * A Gateway in front of a Consul Connect service: Gateway {@code edge/<gateway>} (HTTP on 8080),
   * an HTTPRoute of it to Backend {@code edge/web} (the Connect-capable instances of Consul service
   * {@code service}), and MeshBridge {@code edge/consul-dc1} listing both, its CA the agent at
   * {@code address} in datacenter dc1.
   *
   * @param serviceName the Consul service the Gateway is; null: the Gateway's name
   */
  public static String consulGateway(
      String gateway,
      String service,
      String trustDomain,
      String address,
      @Nullable String serviceName) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: %1$s, namespace: edge}
        spec:
          gatewayClassName: meshgate
          listeners: [{name: http, port: 8080, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: edge}
        spec:
          parentRefs: [{name: %1$s}]
          rules: [{backendRefs: [{group: meshgate.io, kind: Backend, name: web}]}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: edge}
        spec: {consul: {service: %2$s, connect: true}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: consul-dc1, namespace: edge}
        spec:
          mesh: Consul
          trustDomain: %3$s
          ca: {consul: {address: "%4$s", datacenter: dc1}}
          gateways: [%1$s]
          backends: [web]
        """
            .formatted(gateway, service, trustDomain, address)
        + (serviceName == null ? "" : "  serviceName: " + serviceName + "\n");
  }

  /**
   * A Gateway in front of an Istio service: Gateway {@code edge/public} (HTTP on 8080), an
   * HTTPRoute of it to Backend {@code edge/reviews} (Istio service {@code
   * reviews.bookinfo.svc.cluster.local} port 9080, service account {@code serviceAccount}), and
   * MeshBridge {@code edge/istio-east} giving the Gateway {@code
   * spiffe://cluster.local/ns/gateways/sa/meshgate-gw} from istiod at {@code istiod}.
   *
   * @param endpoints the Backend's endpoint source, one YAML line, e.g. {@code "static: {endpoints:
   *     [...]}"} or {@code "consul: {service: reviews}"}
   */
  public static String istioGateway(String endpoints, String serviceAccount, String istiod) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: public, namespace: edge}
        spec:
          gatewayClassName: meshgate
          listeners: [{name: http, port: 8080, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: bookinfo, namespace: edge}
        spec:
          parentRefs: [{name: public}]
          rules: [{backendRefs: [{group: meshgate.io, kind: Backend, name: reviews}]}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: reviews, namespace: edge}
        spec:
          %s
          istio: {host: reviews.bookinfo.svc.cluster.local, port: 9080, namespace: bookinfo, serviceAccount: %s}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: istio-east, namespace: edge}
        spec:
          mesh: Istio
          trustDomain: cluster.local
          ca: {istio: {address: "%s", namespace: gateways}}
          gateways: [public]
          serviceName: meshgate-gw
          backends: [reviews]
        """
        .formatted(endpoints, serviceAccount, istiod);
  }
}
