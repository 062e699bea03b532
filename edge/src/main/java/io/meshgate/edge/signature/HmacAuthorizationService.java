package io.meshgate.edge.signature;

import static java.util.Objects.requireNonNull;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.meshgate.edge.ratelimit.RedisConnection;
import io.meshgate.edge.ratelimit.ThrottledWarning;
import io.meshgate.edge.signature.Verdict.Rejected;
import io.meshgate.edge.signature.Verdict.Verified;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code envoy.service.auth.v3.Authorization/Check} for HMAC message signatures: reads the policy
 * named by the route's context extension {@value CheckRequests#POLICY_EXTENSION}, verifies the
 * request's signature ({@link SignatureVerifier}), accepts its nonce once ({@link NonceStore}) when
 * the policy requires nonces, and answers OK with {@value #KEYID_HEADER}, or a denial with {@value
 * #ERROR_HEADER}: 401 for a signature refused, 503 when the nonce store cannot answer (and the
 * policy refuses then) or the policy is not known here.
 *
 * <p>Threading: a call without a nonce is answered on the gRPC thread after pure work; a call with
 * one is answered when Redis replies (Lettuce's event loop) or on the timeout thread. Nothing
 * blocks a gRPC thread.
 */
public final class HmacAuthorizationService extends AuthorizationGrpc.AuthorizationImplBase {
  public static final String ERROR_HEADER = "x-meshgate-signature-error";
  public static final String KEYID_HEADER = "x-meshgate-signature-keyid";

  static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(HmacAuthorizationService.class);

  private final Supplier<HmacPolicies> policies;
  private final NonceStore nonces;
  private final Clock clock;
  private final ThrottledWarning storeWarning;

  public HmacAuthorizationService(Supplier<HmacPolicies> policies, NonceStore nonces, Clock clock) {
    this.policies = requireNonNull(policies, "policies");
    this.nonces = requireNonNull(nonces, "nonces");
    this.clock = requireNonNull(clock, "clock");
    this.storeWarning = new ThrottledWarning(log, clock, WARNING_INTERVAL);
  }

  @Override
  public void check(CheckRequest request, StreamObserver<CheckResponse> responseObserver) {
    Optional<HmacPolicy> policy =
        CheckRequests.policyName(request).flatMap(name -> policies.get().find(name));
    if (policy.isEmpty()) {
      respond(responseObserver, denied(StatusCode.ServiceUnavailable, Reason.UNKNOWN_POLICY));
      return;
    }
    Verdict verdict =
        SignatureVerifier.verify(
            policy.get(), CheckRequests.signedRequest(request), clock.instant());
    if (verdict instanceof Rejected rejected) {
      respond(responseObserver, denied(StatusCode.Unauthorized, rejected.reason()));
      return;
    }
    Verified verified = (Verified) verdict;
    if (policy.get().nonce() != NonceRule.REQUIRED || verified.nonce().isEmpty()) {
      respond(responseObserver, ok(verified));
      return;
    }
    HmacPolicy p = policy.get();
    nonces
        .firstUse(p.name(), verified.keyid(), verified.nonce().get(), p.maxSkew().multipliedBy(2))
        .whenComplete(
            (use, error) -> {
              try {
                if (error != null) {
                  storeWarning.warn(
                      nonces.describe()
                          + " did not answer for a nonce ("
                          + RedisConnection.describe(error)
                          + "); policy "
                          + p.name()
                          + " "
                          + (p.onStoreFailure() == StoreFailure.ALLOW ? "lets" : "refuses")
                          + " signed requests");
                  respond(
                      responseObserver,
                      p.onStoreFailure() == StoreFailure.ALLOW
                          ? ok(verified)
                          : denied(StatusCode.ServiceUnavailable, Reason.NONCE_STORE_UNAVAILABLE));
                } else if (use == NonceUse.FIRST) {
                  respond(responseObserver, ok(verified));
                } else {
                  respond(responseObserver, denied(StatusCode.Unauthorized, Reason.REPLAYED_NONCE));
                }
              } catch (RuntimeException e) {
                log.error("signature answer failed", e);
                responseObserver.onError(
                    StatusProto.toStatusRuntimeException(
                        Status.newBuilder()
                            .setCode(Code.INTERNAL_VALUE)
                            .setMessage("signature answer failed")
                            .build()));
              }
            });
  }

  static CheckResponse ok(Verified verified) {
    return CheckResponse.newBuilder()
        .setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
        .setOkResponse(
            OkHttpResponse.newBuilder().addHeaders(header(KEYID_HEADER, verified.keyid())))
        .build();
  }

  static CheckResponse denied(StatusCode status, Reason reason) {
    return CheckResponse.newBuilder()
        .setStatus(
            Status.newBuilder()
                .setCode(
                    status == StatusCode.Unauthorized
                        ? Code.UNAUTHENTICATED_VALUE
                        : Code.UNAVAILABLE_VALUE))
        .setDeniedResponse(
            DeniedHttpResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCode(status))
                .addHeaders(header(ERROR_HEADER, reason.text()))
                .setBody("signature refused: " + reason.text() + "\n"))
        .build();
  }

  private static HeaderValueOption header(String name, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  private static void respond(StreamObserver<CheckResponse> observer, CheckResponse response) {
    observer.onNext(response);
    observer.onCompleted();
  }
}
