package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A path selector counts what a route with the same path condition would match, whatever query the
 * request carries: Envoy matches the selector against {@code :path}, which holds the query.
 */
class GlobalRateLimitPathTest {
  private static Pattern pathRegex(String type, String value) {
    Route route =
        EdgeGateway.routes(
                EdgeGateway.of(
                    Cases.translate(
                        """
                        apiVersion: gateway.networking.k8s.io/v1
                        kind: Gateway
                        metadata: {name: edge}
                        spec: {listeners: [{name: web, port: 80, protocol: HTTP}]}
                        ---
                        apiVersion: meshgate.io/v1alpha1
                        kind: Backend
                        metadata: {name: app}
                        spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
                        ---
                        apiVersion: gateway.networking.k8s.io/v1
                        kind: HTTPRoute
                        metadata: {name: web}
                        spec:
                          parentRefs: [{name: edge}]
                          rules: [{backendRefs: [{name: app}]}]
                        ---
                        apiVersion: meshgate.io/v1alpha1
                        kind: TrafficPolicy
                        metadata: {name: limits}
                        spec:
                          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web}]
                          rateLimit:
                            global:
                              rules:
                                - selectors: [{path: {type: TYPE, value: "VALUE"}}]
                                  limit: {requests: 1, unit: Second}
                        """
                            .replace("TYPE", type)
                            .replace("VALUE", value))))
            .get(0);
    String regex =
        route
            .getRoute()
            .getRateLimits(0)
            .getActions(1)
            .getHeaderValueMatch()
            .getHeaders(0)
            .getStringMatch()
            .getSafeRegex()
            .getRegex();
    return Pattern.compile(regex);
  }

  @Test
  void aPrefixMatchesWholeSegmentsWithOrWithoutAQuery() {
    Pattern prefix = pathRegex("PathPrefix", "/api/v1/");
    assertThat(prefix.matcher("/api/v1").matches()).isTrue();
    assertThat(prefix.matcher("/api/v1/orders").matches()).isTrue();
    assertThat(prefix.matcher("/api/v1?page=2").matches()).isTrue();
    assertThat(prefix.matcher("/api/v10").matches()).isFalse();
    assertThat(prefix.matcher("/x/api/v1").matches()).isFalse();
  }

  @Test
  void anExactPathIsMatchedLiterallyWithAnyQuery() {
    Pattern exact = pathRegex("Exact", "/a.b+(c)");
    assertThat(exact.matcher("/a.b+(c)").matches()).isTrue();
    assertThat(exact.matcher("/a.b+(c)?x=1").matches()).isTrue();
    assertThat(exact.matcher("/aXb+(c)").matches()).isFalse();
    assertThat(exact.matcher("/a.b+(c)/d").matches()).isFalse();
  }

  @Test
  void aRegularExpressionIsMatchedAgainstThePathWithoutTheQuery() {
    Pattern regex = pathRegex("RegularExpression", "/users/[0-9]+|/admin");
    assertThat(regex.matcher("/users/42?tab=1").matches()).isTrue();
    assertThat(regex.matcher("/admin").matches()).isTrue();
    assertThat(regex.matcher("/users/abc").matches()).isFalse();
  }

  @Test
  void theRootPrefixMatchesEveryPath() {
    Pattern root = pathRegex("PathPrefix", "/");
    assertThat(root.matcher("/").matches()).isTrue();
    assertThat(root.matcher("/anything?at=all").matches()).isTrue();
  }
}
