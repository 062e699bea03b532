package io.meshgate.xds.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsServerBuilder;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.xds.ir.AuthorizationIr;
import io.meshgate.xds.ir.AuthorizationIr.Action;
import io.meshgate.xds.ir.AuthorizationIr.RuleIr;
import io.meshgate.xds.ir.IpAccessIr;
import io.meshgate.xds.ir.IpAccessIr.CidrIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.testing.XdsServerFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real calls through grpc-java's RBAC HTTP filter (gRFC A41), configured with what {@link IpRules}
 * makes of an {@code ipAccess}: the filter unconfigured in the chain and the rules per route, as
 * meshgate gives them to Envoy. Each gRPC server is an {@link XdsServerBuilder} server fed its
 * Listener by an ADS server; the client dials it from 127.0.0.1, so the TCP peer ({@code
 * direct_remote_ip}) is 127.0.0.1.
 *
 * <p>What {@link Authorization} makes of rules on methods and paths runs through it too. Its rules
 * on JWT claims match {@code sourced_metadata} written by {@code jwt_authn}, which gRPC has
 * neither: gRFC A41 leaves metadata principals out, and grpc-java 1.85 refuses a {@code
 * sourced_metadata} principal ("Unknown principal identifier case"), so the Listener is NACKed and
 * nothing is served. SecurityPolicies never reach proxyless groups; the test shows that if one did,
 * it would fail closed.
 */
class IpRulesGrpcServerIT {
  @RegisterExtension static XdsServerFixture xds = XdsServerFixture.groupedByNodeId();

  private static final SourceRef POLICY = new SourceRef("SecurityPolicy", "default", "ip", 1);
  private static final CidrIr LOOPBACK = new CidrIr("127.0.0.0", 8);
  private static final CidrIr TEN = new CidrIr("10.0.0.0", 8);

  private static final List<Server> servers = new ArrayList<>();
  private static final List<ManagedChannel> channels = new ArrayList<>();
  private static final ExecutorService starting = Executors.newCachedThreadPool();

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
    starting.shutdownNow();
  }

  @Test
  void aCallFromAnAllowedBlockIsServed() throws Exception {
    ManagedChannel channel =
        serve("allow-loopback", new IpAccessIr(List.of(LOOPBACK), List.of(), POLICY));

    await()
        .atMost(Duration.ofSeconds(30))
        // UNAVAILABLE until the server has its Listener
        .ignoreException(StatusRuntimeException.class)
        .untilAsserted(() -> assertThat(EchoServers.identify(channel)).isEqualTo("served"));
  }

  @Test
  void aCallFromADeniedBlockIsRefusedEvenWhenAllowed() throws Exception {
    // given 127.0.0.0/8 allowed and denied: deny wins
    ManagedChannel channel =
        serve("deny-loopback", new IpAccessIr(List.of(LOOPBACK), List.of(LOOPBACK), POLICY));

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertRefused(channel));
  }

  @Test
  void aCallFromOutsideTheAllowListIsRefused() throws Exception {
    // given only 10.0.0.0/8 allowed
    ManagedChannel channel = serve("allow-ten", new IpAccessIr(List.of(TEN), List.of(), POLICY));

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertRefused(channel));
  }

  @Test
  void authorizationRulesOnMethodsAndPathsAreEnforced() throws Exception {
    // given what Authorization makes of "allow POST under the Echo service, deny the rest", and of
    // "deny that, allow the rest"
    RuleIr echo =
        new RuleIr(
            "echo",
            Action.ALLOW,
            List.of(),
            List.of(),
            List.of("POST"),
            List.of(new PathMatchIr.Prefix("/" + EchoServers.IDENTIFY.getServiceName())));
    ManagedChannel allowed =
        serve(
            "authorization-allow",
            Any.pack(
                Authorization.perRoute(new AuthorizationIr(Action.DENY, List.of(echo), POLICY))));
    RuleIr noEcho =
        new RuleIr("no-echo", Action.DENY, List.of(), List.of(), echo.methods(), echo.paths());
    ManagedChannel denied =
        serve(
            "authorization-deny",
            Any.pack(
                Authorization.perRoute(
                    new AuthorizationIr(Action.ALLOW, List.of(noEcho), POLICY))));

    // then
    await()
        .atMost(Duration.ofSeconds(30))
        // UNAVAILABLE until the server has its Listener
        .ignoreException(StatusRuntimeException.class)
        .untilAsserted(() -> assertThat(EchoServers.identify(allowed)).isEqualTo("served"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertRefused(denied));
    assertThat(xds.rejections()).isEmpty();
  }

  @Test
  void grpcRefusesRulesOnJwtClaimsAndServesNothing() throws Exception {
    // given what Authorization makes of a scope rule: a sourced_metadata principal, which gRPC's
    // RBAC does not implement (gRFC A41)
    RuleIr writers =
        new RuleIr(
            "writers", Action.ALLOW, List.of(), List.of("orders:write"), List.of(), List.of());
    ManagedChannel channel =
        serve(
            "authorization-claims",
            Any.pack(
                Authorization.perRoute(
                    new AuthorizationIr(Action.DENY, List.of(writers), POLICY))));

    // then the server NACKs the Listener and never serves a call: closed, not open
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(xds.rejections())
                    .anySatisfy(
                        r -> {
                          assertThat(r.nodeId()).isEqualTo("authorization-claims");
                          assertThat(r.message()).contains("Unknown principal identifier");
                        }));
    assertThatThrownBy(() -> EchoServers.identify(channel))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  private static void assertRefused(ManagedChannel channel) {
    try {
      EchoServers.identify(channel);
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      return;
    }
    throw new AssertionError("the call was served");
  }

  /** A gRPC xDS server whose Listener carries {@code access}; a plaintext channel to it. */
  private static ManagedChannel serve(String node, IpAccessIr access) throws IOException {
    return serve(node, Any.pack(IpRules.perRoute(access)));
  }

  /** A gRPC xDS server with an RBAC filter and {@code perRoute} on its one route. */
  private static ManagedChannel serve(String node, Any perRoute) throws IOException {
    int port = freePort();
    String name = "grpc/server?xds.resource.listening_address=0.0.0.0:" + port;
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(node)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(node)
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setName(node)
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setNonForwardingAction(NonForwardingAction.getDefaultInstance())
                            // The route's rules, exactly as Routes gives them to Envoy.
                            .putTypedPerFilterConfig(HttpFilters.IP_ACCESS, perRoute)))
            .build();
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(node)
            .setRouteConfig(routes)
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName(HttpFilters.IP_ACCESS)
                    .setTypedConfig(Any.pack(IpRules.filter())))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName(HttpFilters.ROUTER)
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    Listener listener =
        Listener.newBuilder()
            .setName(name)
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(port)))
            .addFilterChains(
                FilterChain.newBuilder()
                    .setName(node)
                    .addFilters(
                        Filter.newBuilder()
                            .setName("envoy.filters.network.http_connection_manager")
                            .setTypedConfig(Any.pack(hcm))))
            .build();
    xds.setSnapshot(node, XdsServerFixture.snapshot(listener));

    ServerServiceDefinition echo =
        ServerServiceDefinition.builder(EchoServers.IDENTIFY.getServiceName())
            .addMethod(
                EchoServers.IDENTIFY,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext("served");
                      response.onCompleted();
                    }))
            .build();
    Map<String, Object> bootstrap =
        Map.of(
            "xds_servers",
            List.of(
                Map.of(
                    "server_uri",
                    "127.0.0.1:" + xds.address().getPort(),
                    "channel_creds",
                    List.of(Map.of("type", "insecure")),
                    "server_features",
                    List.of())),
            "node",
            Map.of("id", node),
            "server_listener_resource_name_template",
            "grpc/server?xds.resource.listening_address=%s");
    Server server =
        XdsServerBuilder.forPort(port, InsecureServerCredentials.create())
            .overrideBootstrapForTest(bootstrap)
            .addService(echo)
            .build();
    servers.add(server);
    // start() waits for the first Listener; one the server refuses must not hang the test.
    starting.submit(
        () -> {
          server.start();
          return null;
        });
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    channels.add(channel);
    return channel;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
