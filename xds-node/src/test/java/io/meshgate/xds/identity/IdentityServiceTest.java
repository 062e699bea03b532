package io.meshgate.xds.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.pem.Pem;
import io.meshgate.identity.v1.WatchRequest;
import io.meshgate.identity.v1.WatchResponse;
import io.meshgate.identity.v1.WorkloadIdentityGrpc;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.security.TokenCheck;
import io.meshgate.xds.serve.StreamAdmission;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The identity service on an in-process server, signing with a real CA: what it issues comes from
 * the credential alone, and what it refuses is refused with a status an agent can act on.
 */
class IdentityServiceTest {
  private static final String ORDERS = "spiffe://cluster.local/ns/shop/sa/orders";
  private static final String ADMIN = "spiffe://evil.example/ns/kube-system/sa/admin";

  /** Tokens named after the group they grant, valid for an hour. */
  private static final TokenCheck TOKENS =
      (token, nodeId) ->
          token.startsWith("group:")
              ? new TokenCheck.Result.Valid(
                  token.substring("group:".length()), Instant.now().plusSeconds(3600))
              : new TokenCheck.Result.Invalid("not a test token");

  private final SmallMeshCa ca = new SmallMeshCa("cluster.local", Clock.systemUTC());
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  private IdentityService service(Optional<IdentitySource> source, Authorizer authorizer) {
    return service(source, authorizer, new StreamAdmission(1000, 1000));
  }

  private IdentityService service(
      Optional<IdentitySource> source, Authorizer authorizer, StreamAdmission admission) {
    return new IdentityService(source, authorizer, admission);
  }

  /** A channel to an in-process server of {@code service}. */
  private ManagedChannel serve(IdentityService service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    servers.add(
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(service, new ProxyAuthenticator()))
            .build()
            .start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }

  /** One Watch stream; what it receives, in order: responses, then a Status. */
  private static final class Watch {
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final StreamObserver<WatchRequest> requests;

    Watch(ManagedChannel channel, Optional<String> token) {
      WorkloadIdentityGrpc.WorkloadIdentityStub stub = WorkloadIdentityGrpc.newStub(channel);
      if (token.isPresent()) {
        stub = stub.withCallCredentials(bearer(token.get()));
      }
      requests =
          stub.watch(
              new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse value) {
                  received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                  received.add(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                  received.add(Status.OK);
                }
              });
    }

    Watch send(String csr) {
      requests.onNext(WatchRequest.newBuilder().setCsrPem(csr).setNodeId("orders-1").build());
      return this;
    }

    WatchResponse response() throws InterruptedException {
      Object next = received.poll(10, TimeUnit.SECONDS);
      assertThat(next).isInstanceOf(WatchResponse.class);
      return (WatchResponse) next;
    }

    Status status() throws InterruptedException {
      Object next = received.poll(10, TimeUnit.SECONDS);
      assertThat(next).isInstanceOf(Status.class);
      return (Status) next;
    }
  }

  private static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        applier.apply(headers);
      }
    };
  }

  private ManagedChannel withCa() throws Exception {
    ca.addRoot();
    return serve(service(Optional.of(ca), new Authorizer(TOKENS, false)));
  }

  private static List<String> uriSans(X509Certificate certificate) throws Exception {
    Collection<List<?>> names = certificate.getSubjectAlternativeNames();
    return names.stream().filter(n -> (Integer) n.get(0) == 6).map(n -> (String) n.get(1)).toList();
  }

  @Test
  void theCertificateCarriesTheCredentialsIdentityNotTheOneTheCsrAsksFor() throws Exception {
    // given: a credential for proxyless/shop/orders, and a CSR that asks to be someone else
    ManagedChannel channel = withCa();
    KeyPair key = Csrs.ec("secp256r1");

    // when
    WatchResponse answer =
        new Watch(channel, Optional.of("group:proxyless/shop/orders"))
            .send(Csrs.csr(key, ADMIN))
            .response();

    // then: the credential's identity, over the CSR's key, signed by the bundle's root
    X509Certificate leaf = Pem.certificates(answer.getCertificate().getChainPem(), "chain").get(0);
    assertThat(uriSans(leaf)).containsExactly(ORDERS);
    assertThat(leaf.getSubjectX500Principal().getName()).doesNotContain("admin");
    assertThat(leaf.getPublicKey()).isEqualTo(key.getPublic());
    X509Certificate root = Pem.certificates(answer.getBundlePem(), "bundle").get(0);
    leaf.verify(root.getPublicKey());
    assertThat(answer.getCertificate().getSpiffeId()).isEqualTo(ORDERS);
    assertThat(answer.getTrustDomain()).isEqualTo("cluster.local");
    assertThat(answer.getCertificate().getRefreshAtSeconds())
        .isLessThan(answer.getCertificate().getNotAfterSeconds());
  }

  @Test
  void everyCsrOfAStreamIsAnsweredAndABundleChangeIsPushed() throws Exception {
    // given: a stream that holds a certificate
    ManagedChannel channel = withCa();
    KeyPair key = Csrs.ec("secp256r1");
    Watch watch =
        new Watch(channel, Optional.of("group:proxyless/shop/orders")).send(Csrs.csr(key, ORDERS));
    assertThat(watch.response().getBundlePem()).isEqualTo(ca.bundle().orElseThrow().pem());

    // when: the CA rotates its root
    ca.addRoot();

    // then: the new bundle (both roots) arrives unasked, without a certificate
    WatchResponse pushed = watch.response();
    assertThat(pushed.hasCertificate()).isFalse();
    assertThat(Pem.certificates(pushed.getBundlePem(), "bundle")).hasSize(2);

    // and a later CSR is answered on the same stream, by the new root
    WatchResponse renewed = watch.send(Csrs.csr(key, ORDERS)).response();
    X509Certificate leaf = Pem.certificates(renewed.getCertificate().getChainPem(), "chain").get(0);
    leaf.verify(Pem.certificates(pushed.getBundlePem(), "bundle").get(1).getPublicKey());
  }

  @Test
  void csrsThatProveNothingOrAreWeakOrHugeAreInvalidArguments() throws Exception {
    ManagedChannel channel = withCa();
    KeyPair key = Csrs.ec("secp256r1");
    KeyPair other = Csrs.ec("secp256r1");
    Optional<String> token = Optional.of("group:proxyless/shop/orders");

    Status garbage = new Watch(channel, token).send("not a csr").status();
    Status notSignedByItsKey =
        new Watch(channel, token)
            .send(Csrs.csr(key.getPublic(), other.getPrivate(), "orders", ORDERS))
            .status();
    Status p384 = new Watch(channel, token).send(Csrs.csr(Csrs.ec("secp384r1"), ORDERS)).status();
    Status rsa1024 = new Watch(channel, token).send(Csrs.csr(Csrs.rsa(1024), ORDERS)).status();
    Status oversized =
        new Watch(channel, token)
            .send(Csrs.csr(key, ORDERS) + "x".repeat(IdentityService.MAX_CSR_BYTES))
            .status();

    assertThat(List.of(garbage, notSignedByItsKey, p384, rsa1024, oversized))
        .extracting(Status::getCode)
        .containsOnly(Status.Code.INVALID_ARGUMENT);
    assertThat(garbage.getDescription()).contains("no CERTIFICATE REQUEST block");
    assertThat(notSignedByItsKey.getDescription()).contains("signature does not verify");
    assertThat(p384.getDescription()).contains("expected: P-256");
    assertThat(rsa1024.getDescription()).contains("RSA key of 1024 bits (expected: at least 2048");
    assertThat(oversized.getDescription()).contains("expected: at most 8192");
  }

  @Test
  void anRsa2048CsrIsTaken() throws Exception {
    WatchResponse answer =
        new Watch(withCa(), Optional.of("group:proxyless/shop/orders"))
            .send(Csrs.csr(Csrs.rsa(2048), ORDERS))
            .response();

    assertThat(answer.getCertificate().getSpiffeId()).isEqualTo(ORDERS);
  }

  @Test
  void aCredentialOfAnotherGroupIsPermissionDenied() throws Exception {
    ManagedChannel channel = withCa();
    String csr = Csrs.csr(Csrs.ec("secp256r1"), ORDERS);

    Status workload =
        new Watch(channel, Optional.of("group:workload/shop/orders")).send(csr).status();
    Status plainProxyless = new Watch(channel, Optional.of("group:proxyless")).send(csr).status();
    Status badName =
        new Watch(channel, Optional.of("group:proxyless/Shop/orders")).send(csr).status();

    assertThat(List.of(workload, plainProxyless, badName))
        .extracting(Status::getCode)
        .containsOnly(Status.Code.PERMISSION_DENIED);
    assertThat(workload.getDescription())
        .contains("proxy token for group workload/shop/orders")
        .contains("expected: a credential for the group proxyless/<namespace>/<service account>");
  }

  @Test
  void withoutACredentialThereIsNoIdentityEvenWhereAnonymousStreamsAreAllowed() throws Exception {
    ca.addRoot();
    String csr = Csrs.csr(Csrs.ec("secp256r1"), ORDERS);
    ManagedChannel required = serve(service(Optional.of(ca), new Authorizer(TOKENS, false)));
    ManagedChannel loopback = serve(service(Optional.of(ca), Authorizer.anonymousAllowed()));

    Status unauthenticated = new Watch(required, Optional.empty()).send(csr).status();
    Status anonymous = new Watch(loopback, Optional.empty()).send(csr).status();

    assertThat(unauthenticated.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(anonymous.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(anonymous.getDescription()).contains("issued only to a credential");
  }

  @Test
  void aNodeWithoutAMeshCaIsUnavailable() throws Exception {
    String csr = Csrs.csr(Csrs.ec("secp256r1"), ORDERS);
    Optional<String> token = Optional.of("group:proxyless/shop/orders");
    ManagedChannel none = serve(service(Optional.empty(), new Authorizer(TOKENS, false)));
    ManagedChannel noRootYet = serve(service(Optional.of(ca), new Authorizer(TOKENS, false)));

    Status noSource = new Watch(none, token).send(csr).status();
    Status noRoot = new Watch(noRootYet, token).send(csr).status();

    assertThat(noSource.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(noSource.getDescription()).isEqualTo("this node has no mesh CA");
    assertThat(noRoot.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(noRoot.getDescription()).contains("no root yet");
  }

  @Test
  void streamsBeyondTheBudgetAreRefusedAndAnExpiredTokenEndsItsStream() throws Exception {
    // given: a node that holds one identity stream
    ca.addRoot();
    IdentityService service =
        service(Optional.of(ca), new Authorizer(TOKENS, false), new StreamAdmission(1000, 1));
    ManagedChannel channel = serve(service);
    Optional<String> token = Optional.of("group:proxyless/shop/orders");
    String csr = Csrs.csr(Csrs.ec("secp256r1"), ORDERS);
    Watch first = new Watch(channel, token).send(csr);
    first.response();

    // when
    Status second = new Watch(channel, token).send(csr).status();
    int ended = service.endExpiredCredentials(Instant.now().plusSeconds(7200));

    // then
    assertThat(second.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(ended).isEqualTo(1);
    Status expired = first.status();
    assertThat(expired.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(service.openStreams()).isZero();
  }
}
