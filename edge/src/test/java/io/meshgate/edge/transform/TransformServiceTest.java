package io.meshgate.edge.transform;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.model.Template;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service on a real gRPC server, driven by a grpc-java client that plays Envoy's ext_proc
 * filter: one bidi stream per HTTP request, messages in Envoy's order, the transformation named in
 * the stream's initial metadata.
 */
class TransformServiceTest {
  private static final Transformation ORDERS =
      new Transformation(
          "shop/orders",
          List.of(
              new Operation.Move(
                  Operation.pointer("/customerName"), Operation.pointer("/customer/name")),
              new Operation.Remove(Operation.pointer("/debug")),
              new Operation.Set(
                  Operation.pointer("/customer/id"),
                  new Template(List.of(new Template.Claim("sub"))))),
          List.of(new Operation.Remove(Operation.pointer("/internal"))),
          64);

  private final AtomicReference<TransformConfig> config =
      new AtomicReference<>(TransformConfig.of(List.of(ORDERS)));
  private TransformServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    server =
        TransformServer.start(
            new InetSocketAddress("127.0.0.1", 0), new TransformService(config::get));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void aJsonExchangeGetsBothBodiesTransformedWithMatchingContentLengths() throws Exception {
    // given
    Stream stream = open("shop/orders");

    // when: request headers (with the verified payload), body, response headers, body
    stream.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(
                headers(":method", "POST", ":path", "/orders", "content-type", "application/json"))
            .setMetadataContext(claims("sub", "alice"))
            .build());
    ProcessingResponse requestHeaders = stream.next();
    stream.send(body(true, "{\"customerName\":\"Ann\",\"debug\":1}"));
    ProcessingResponse requestBody = stream.next();
    stream.send(
        ProcessingRequest.newBuilder()
            .setResponseHeaders(headers(":status", "200", "content-type", "application/json"))
            .build());
    ProcessingResponse responseHeaders = stream.next();
    stream.send(body(false, "{\"ok\":true,\"internal\":\"x\"}"));
    ProcessingResponse responseBody = stream.next();

    // then
    assertThat(requestHeaders.hasRequestHeaders()).isTrue();
    assertThat(bodyOf(requestBody.getRequestBody()))
        .isEqualTo("{\"customer\":{\"name\":\"Ann\",\"id\":\"alice\"}}");
    assertThat(contentLength(requestBody.getRequestBody())).isEqualTo("40");
    assertThat(responseHeaders.hasResponseHeaders()).isTrue();
    assertThat(bodyOf(responseBody.getResponseBody())).isEqualTo("{\"ok\":true}");
    assertThat(contentLength(responseBody.getResponseBody())).isEqualTo("11");
    assertThat(stream.completed()).isTrue();
  }

  @Test
  void aRequestBodyNotDeclaredJsonIsRefused415AndANonJsonResponsePassesUnchanged()
      throws Exception {
    Stream refused = open("shop/orders");
    refused.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(
                headers(":method", "POST", ":path", "/orders", "content-type", "text/plain"))
            .build());
    refused.next();
    refused.send(body(true, "{\"debug\":1}"));
    ProcessingResponse answer = refused.next();
    assertThat(answer.getImmediateResponse().getStatus().getCode())
        .isEqualTo(StatusCode.UnsupportedMediaType);
    assertThat(answer.getImmediateResponse().getDetails()).isEqualTo("transform_request_not_json");
    assertThat(refused.completed()).isTrue();

    Stream html = open("shop/orders");
    html.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(headers(":method", "GET", ":path", "/orders"))
            .build());
    html.next();
    html.send(
        ProcessingRequest.newBuilder()
            .setResponseHeaders(headers(":status", "500", "content-type", "text/html"))
            .build());
    html.next();
    html.send(body(false, "<h1>oops</h1>"));
    ProcessingResponse unchanged = html.next();
    assertThat(unchanged.getResponseBody()).isEqualTo(BodyResponse.getDefaultInstance());
    html.complete();
  }

  @Test
  void anOversizedRequestIs413AnInvalidOne400AndAnInvalidResponse502() throws Exception {
    ProcessingResponse large = requestBodyAnswer("{\"customerName\":\"" + "a".repeat(100) + "\"}");
    assertThat(large.getImmediateResponse().getStatus().getCode())
        .isEqualTo(StatusCode.PayloadTooLarge);
    assertThat(large.getImmediateResponse().getBody().toStringUtf8()).doesNotContain("aaaa");

    ProcessingResponse invalid = requestBodyAnswer("{\"customerName\":");
    assertThat(invalid.getImmediateResponse().getStatus().getCode())
        .isEqualTo(StatusCode.BadRequest);

    Stream stream = open("shop/orders");
    stream.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(headers(":method", "GET", ":path", "/"))
            .build());
    stream.next();
    stream.send(
        ProcessingRequest.newBuilder()
            .setResponseHeaders(headers(":status", "200", "content-type", "application/json"))
            .build());
    stream.next();
    stream.send(body(false, "[1,"));
    assertThat(stream.next().getImmediateResponse().getStatus().getCode())
        .isEqualTo(StatusCode.BadGateway);
  }

  @Test
  void aMissingFieldOrClaimLeavesTheRestOfTheTransformationInForce() throws Exception {
    // given: no customerName, no debug, and no claims forwarded
    Stream stream = open("shop/orders");
    stream.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(
                headers(":method", "POST", ":path", "/orders", "content-type", "application/json"))
            .build());
    stream.next();

    // when
    stream.send(body(true, "{\"total\":3}"));
    ProcessingResponse answer = stream.next();

    // then
    assertThat(bodyOf(answer.getRequestBody()))
        .isEqualTo("{\"total\":3,\"customer\":{\"id\":\"\"}}");
    stream.complete();
  }

  @Test
  void responsesAreAskedForUncompressedAndACompressedJsonResponseIs502() throws Exception {
    // given a request that accepts gzip
    Stream stream = open("shop/orders");
    stream.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(headers(":method", "GET", ":path", "/", "accept-encoding", "gzip"))
            .build());

    // then the upstream is asked without accept-encoding
    assertThat(
            stream
                .next()
                .getRequestHeaders()
                .getResponse()
                .getHeaderMutation()
                .getRemoveHeadersList())
        .containsExactly("accept-encoding");

    // and a JSON response compressed anyway is not passed on untransformed
    stream.send(
        ProcessingRequest.newBuilder()
            .setResponseHeaders(
                headers(
                    ":status",
                    "200",
                    "content-type",
                    "application/json",
                    "content-encoding",
                    "gzip"))
            .build());
    stream.next();
    stream.send(body(false, "\u001f\u008b..."));
    ProcessingResponse answer = stream.next();
    assertThat(answer.getImmediateResponse().getStatus().getCode())
        .isEqualTo(StatusCode.BadGateway);
    assertThat(answer.getImmediateResponse().getDetails()).isEqualTo("transform_response_encoded");
  }

  @Test
  void anUnknownTransformationIs503AndANewConfigServesNewStreams() throws Exception {
    Stream unknown = open("shop/other");
    unknown.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(headers(":method", "GET", ":path", "/"))
            .build());
    assertThat(unknown.next().getImmediateResponse().getStatus().getCode())
        .isEqualTo(StatusCode.ServiceUnavailable);

    // when the node hands over a config that has it
    config.set(
        TransformConfig.of(List.of(new Transformation("shop/other", List.of(), List.of(), 10))));
    Stream known = open("shop/other");
    known.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(headers(":method", "GET", ":path", "/"))
            .build());

    // then
    assertThat(known.next().hasRequestHeaders()).isTrue();
    known.complete();
  }

  private ProcessingResponse requestBodyAnswer(String json) throws InterruptedException {
    Stream stream = open("shop/orders");
    stream.send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(
                headers(":method", "POST", ":path", "/orders", "content-type", "application/json"))
            .build());
    stream.next();
    stream.send(body(true, json));
    return stream.next();
  }

  private Stream open(String transformation) {
    io.grpc.Metadata metadata = new io.grpc.Metadata();
    metadata.put(
        io.grpc.Metadata.Key.of(
            TransformService.TRANSFORM_METADATA, io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        transformation);
    Stream stream = new Stream();
    stream.requests =
        ExternalProcessorGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
            .process(stream);
    return stream;
  }

  /** Envoy's side of one stream. */
  private static final class Stream implements StreamObserver<ProcessingResponse> {
    private final BlockingQueue<ProcessingResponse> answers = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> end = new LinkedBlockingQueue<>();
    StreamObserver<ProcessingRequest> requests;

    void send(ProcessingRequest request) {
      requests.onNext(request);
    }

    ProcessingResponse next() throws InterruptedException {
      ProcessingResponse answer = answers.poll(5, TimeUnit.SECONDS);
      assertThat(answer).as("an answer within 5 s").isNotNull();
      return answer;
    }

    void complete() {
      requests.onCompleted();
    }

    boolean completed() throws InterruptedException {
      complete();
      return "completed".equals(end.poll(5, TimeUnit.SECONDS));
    }

    @Override
    public void onNext(ProcessingResponse value) {
      answers.add(value);
    }

    @Override
    public void onError(Throwable t) {
      end.add("error: " + t);
    }

    @Override
    public void onCompleted() {
      end.add("completed");
    }
  }

  private static HttpHeaders headers(String... pairs) {
    HeaderMap.Builder map = HeaderMap.newBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      // Current Envoys send raw_value; the service reads either.
      map.addHeaders(
          HeaderValue.newBuilder()
              .setKey(pairs[i])
              .setRawValue(ByteString.copyFromUtf8(pairs[i + 1])));
    }
    return HttpHeaders.newBuilder().setHeaders(map).build();
  }

  private static ProcessingRequest body(boolean request, String text) {
    HttpBody body =
        HttpBody.newBuilder()
            .setBody(ByteString.copyFrom(text, StandardCharsets.UTF_8))
            .setEndOfStream(true)
            .build();
    return request
        ? ProcessingRequest.newBuilder().setRequestBody(body).build()
        : ProcessingRequest.newBuilder().setResponseBody(body).build();
  }

  private static Metadata claims(String name, String value) {
    Struct payload =
        Struct.newBuilder()
            .putFields(name, Value.newBuilder().setStringValue(value).build())
            .build();
    return Metadata.newBuilder()
        .putFilterMetadata(
            TransformService.CLAIMS_NAMESPACE,
            Struct.newBuilder()
                .putFields(
                    TransformService.CLAIMS_KEY, Value.newBuilder().setStructValue(payload).build())
                .build())
        .build();
  }

  private static String bodyOf(BodyResponse response) {
    return response.getResponse().getBodyMutation().getBody().toStringUtf8();
  }

  private static String contentLength(BodyResponse response) {
    return response
        .getResponse()
        .getHeaderMutation()
        .getSetHeaders(0)
        .getHeader()
        .getRawValue()
        .toStringUtf8();
  }
}
