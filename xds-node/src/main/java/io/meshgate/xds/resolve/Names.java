package io.meshgate.xds.resolve;

import io.meshgate.config.model.ResourceKey;

/** Every generated name, in one place (docs/naming.md lists them). */
final class Names {
  static final String PROXYLESS_GROUP = "proxyless";

  /**
   * A cluster without endpoints: where proxyless clients are sent when a route must fail. gRPC
   * rejects a whole route table that holds a direct response, so failing closed takes this.
   */
  static final String UNAVAILABLE_CLUSTER = "meshgate/unavailable";

  /** meshgate's rate limit service, as the gateway groups that use global limits reach it. */
  static final String RATE_LIMIT_CLUSTER = "meshgate/ratelimit";

  private Names() {}

  /** {@code gateway/NS/NAME}: the group of a Gateway's Envoys. */
  static String gatewayGroup(ResourceKey gateway) {
    return "gateway/" + gateway.namespace() + "/" + gateway.name();
  }

  /** {@code NS/GATEWAY/PORT}: a Gateway's listener on a port, and its route table. */
  static String httpListener(ResourceKey gateway, int port) {
    return gateway.namespace() + "/" + gateway.name() + "/" + port;
  }

  /**
   * {@code NS/GATEWAY/PORT/LISTENER}: the filter chain (and, for HTTPS, the route table) of one
   * Gateway listener on a port that TLS listeners share.
   */
  static String listenerRouteTable(ResourceKey gateway, int port, String listener) {
    return httpListener(gateway, port) + "/" + listener;
  }

  /** {@code secret/NS/NAME}: the SDS Secret of a kubernetes.io/tls Secret. */
  static String secretCertificate(ResourceKey secret) {
    return "secret/" + secret.namespace() + "/" + secret.name();
  }

  /** {@code file:PATH}: the SDS Secret of a PEM file on the replicas. */
  static String fileCertificate(String path) {
    return "file:" + path;
  }

  /** {@code proxyless/NS/SA}: proxyless gRPC servers (and clients) of one mesh identity. */
  static String proxylessGroup(String namespace, String serviceAccount) {
    return PROXYLESS_GROUP + "/" + namespace + "/" + serviceAccount;
  }

  /**
   * {@code grpc/server?xds.resource.listening_address=0.0.0.0:PORT}: what a proxyless gRPC server
   * bound to PORT asks for (the bootstrap's server_listener_resource_name_template, gRFC A36).
   */
  static String proxylessServer(int port) {
    return "grpc/server?xds.resource.listening_address=0.0.0.0:" + port;
  }

  /** {@code inbound/NS/SA/PORT}: the route table of a proxyless server's listener. */
  static String proxylessServerRoutes(String namespace, String serviceAccount, int port) {
    return "inbound/" + namespace + "/" + serviceAccount + "/" + port;
  }

  /** {@code NS/NAME/RULE}: the access rule of a TrafficPermission. */
  static String permission(ResourceKey permission) {
    return permission.namespace() + "/" + permission.name();
  }

  /** {@code sidecar/NS/NAME}: the group of a Sidecar's Envoys. */
  static String sidecarGroup(ResourceKey sidecar) {
    return "sidecar/" + sidecar.namespace() + "/" + sidecar.name();
  }

  /** {@code NS/NAME/inbound}: a sidecar's inbound listener, route table and route. */
  static String sidecarInbound(ResourceKey sidecar) {
    return sidecar.namespace() + "/" + sidecar.name() + "/inbound";
  }

  /** {@code local/NS/NAME}: the cluster of a sidecar's own application. */
  static String sidecarLocal(ResourceKey sidecar) {
    return "local/" + sidecar.namespace() + "/" + sidecar.name();
  }

  /**
   * {@code outbound/BACKEND_NS/BACKEND}: a sidecar's listener (and route table) for one upstream.
   * Not the sidecar's name: an Envoy holds one sidecar's resources, and without it the sidecars
   * that call a Backend alike get the same resources, translated, checked and packed once a build.
   */
  static String sidecarOutbound(ResourceKey backend) {
    return "outbound/" + backend.namespace() + "/" + backend.name();
  }

  /**
   * {@code NAME.NS}: the API listener (and route table) proxyless clients dial as {@code
   * xds:///NAME.NS}.
   */
  static String apiListener(ResourceKey backend) {
    return backend.name() + "." + backend.namespace();
  }

  /** {@code NS/NAME}, or {@code NS/NAME:PORT} when a backendRef picks a port. */
  static String cluster(ResourceKey backend, Integer port) {
    return backend.namespace() + "/" + backend.name() + (port == null ? "" : ":" + port);
  }

  /** {@code httproute/NS/NAME/rule/I/match/J}. */
  static String route(ResourceKey route, int rule, int match) {
    return route.kind().lowerName()
        + "/"
        + route.namespace()
        + "/"
        + route.name()
        + "/rule/"
        + rule
        + "/match/"
        + match;
  }

  /**
   * {@code backend/NS/NAME/default}: the route proxyless clients get when no route attaches to a
   * Backend.
   */
  static String defaultRoute(ResourceKey backend) {
    return "backend/" + backend.namespace() + "/" + backend.name() + "/default";
  }

  /** {@code NS/POLICY/PROVIDER}: a JWT provider of a SecurityPolicy. */
  static String jwtProvider(ResourceKey policy, String provider) {
    return jwtRequirement(policy) + "/" + provider;
  }

  /** {@code NS/POLICY}: the JWT requirement of a SecurityPolicy (one of its providers). */
  static String jwtRequirement(ResourceKey policy) {
    return policy.namespace() + "/" + policy.name();
  }

  /** {@code NS/POLICY}: a SecurityPolicy's HMAC signatures, as the signature service knows them. */
  static String hmacPolicy(ResourceKey policy) {
    return policy.namespace() + "/" + policy.name();
  }

  /** {@code NS/POLICY}: the external authorization service of a SecurityPolicy. */
  static String extAuth(ResourceKey policy) {
    return policy.namespace() + "/" + policy.name();
  }

  /** {@code jwks/HOST:PORT}: the DNS cluster JWT key sets on one host and port are fetched by. */
  static String jwksCluster(String host, int port) {
    return "jwks/" + host + ":" + port;
  }

  /** {@code envoy.filters.http.oauth2/NS/POLICY}: a SecurityPolicy's OIDC login filter. */
  static String oauth2Filter(ResourceKey policy) {
    return "envoy.filters.http.oauth2/" + policy.namespace() + "/" + policy.name();
  }

  /** {@code oauth2/NS/POLICY/PART}: an SDS Secret of a SecurityPolicy's OIDC login. */
  static String oauth2Secret(ResourceKey policy, String part) {
    return "oauth2/" + policy.namespace() + "/" + policy.name() + "/" + part;
  }

  /**
   * {@code oidc/HOST:PORT}: the DNS cluster OIDC token endpoints on one host and port are called
   * by.
   */
  static String oidcCluster(String host, int port) {
    return "oidc/" + host + ":" + port;
  }

  /** {@code waf-module/HOST:PORT}: the DNS cluster Envoy fetches the WAF's wasm module through. */
  static String wafModuleCluster(String host, int port) {
    return "waf-module/" + host + ":" + port;
  }
}
