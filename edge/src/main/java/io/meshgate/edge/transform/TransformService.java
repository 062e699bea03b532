package io.meshgate.edge.transform;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code envoy.service.ext_proc.v3.ExternalProcessor/Process}: one bidi stream per HTTP request, in
 * Envoy's order — request headers, request body (buffered whole), response headers, response body —
 * each answered at once. The transformation is the one Envoy names in the stream's gRPC initial
 * metadata ({@value #TRANSFORM_METADATA}), looked up in the current config when the stream opens.
 *
 * <p>What a client sees: a transformed body with a matching {@code content-length}; a request body
 * that is not declared JSON, or is compressed, answered 415, one larger than the transformation's
 * bound 413, one that is not valid JSON or too deep 400; a response that cannot be transformed
 * (invalid, too deep or large, compressed) 502, while non-JSON responses pass unchanged (an
 * upstream's error page stays readable). Where responses are transformed, the request goes upstream
 * without {@code accept-encoding}. An unknown transformation is answered 503: Envoy and this
 * service disagree, and forwarding untransformed could leak what the policy removes.
 *
 * <p>Threading: each message is handled on the gRPC thread that delivers it, without blocking
 * (parsing and rewriting a bounded body; no I/O).
 */
public final class TransformService extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  public static final String TRANSFORM_METADATA = "x-meshgate-transform";

  /** Where Envoy's jwt_authn leaves the verified payload, forwarded when a value names a claim. */
  public static final String CLAIMS_NAMESPACE = "envoy.filters.http.jwt_authn";

  public static final String CLAIMS_KEY = "jwt_payload";

  private static final Logger log = LoggerFactory.getLogger(TransformService.class);

  private static final Metadata.Key<String> NAME_KEY =
      Metadata.Key.of(TRANSFORM_METADATA, Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> NAME = Context.key(TRANSFORM_METADATA);

  private final Supplier<TransformConfig> config;
  private final JsonTransformer transformer = new JsonTransformer();

  public TransformService(Supplier<TransformConfig> config) {
    this.config = requireNonNull(config, "config");
  }

  /** The service with the interceptor that reads the transformation's name: what to serve. */
  public ServerServiceDefinition definition() {
    return ServerInterceptors.intercept(this, new NameFromMetadata());
  }

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
    String name = NAME.get();
    Optional<Transformation> transformation =
        name == null ? Optional.empty() : config.get().get(name);
    return new Exchange(out, name, transformation.orElse(null));
  }

  /** One HTTP request's stream. */
  private final class Exchange implements StreamObserver<ProcessingRequest> {
    private final StreamObserver<ProcessingResponse> out;
    private final @Nullable String name;
    private final @Nullable Transformation transformation;
    private RequestData request = RequestData.NONE;
    private @Nullable String requestType;
    private @Nullable String responseType;
    private boolean requestEncoded;
    private boolean responseEncoded;
    private boolean done;

    Exchange(
        StreamObserver<ProcessingResponse> out,
        @Nullable String name,
        @Nullable Transformation transformation) {
      this.out = out;
      this.name = name;
      this.transformation = transformation;
    }

    @Override
    public void onNext(ProcessingRequest message) {
      if (done) {
        return;
      }
      if (transformation == null) {
        log.warn("transformation {} is not known; answering 503", name);
        immediate(StatusCode.ServiceUnavailable, "transformation_unknown");
        return;
      }
      switch (message.getRequestCase()) {
        case REQUEST_HEADERS -> {
          Map<String, String> headers = headers(message.getRequestHeaders());
          requestType = headers.get("content-type");
          requestEncoded = encoded(headers);
          request =
              new RequestData(
                  headers,
                  headers.getOrDefault(":path", ""),
                  headers.getOrDefault(":method", ""),
                  claims(message));
          out.onNext(
              ProcessingResponse.newBuilder().setRequestHeaders(requestHeadersResponse()).build());
        }
        case REQUEST_BODY -> requestBody(message.getRequestBody().getBody().toByteArray());
        case RESPONSE_HEADERS -> {
          Map<String, String> headers = headers(message.getResponseHeaders());
          responseType = headers.get("content-type");
          responseEncoded = encoded(headers);
          out.onNext(
              ProcessingResponse.newBuilder()
                  .setResponseHeaders(HeadersResponse.getDefaultInstance())
                  .build());
        }
        case RESPONSE_BODY -> responseBody(message.getResponseBody().getBody().toByteArray());
        case REQUEST_TRAILERS ->
            out.onNext(
                ProcessingResponse.newBuilder()
                    .setRequestTrailers(TrailersResponse.getDefaultInstance())
                    .build());
        case RESPONSE_TRAILERS ->
            out.onNext(
                ProcessingResponse.newBuilder()
                    .setResponseTrailers(TrailersResponse.getDefaultInstance())
                    .build());
        default -> immediate(StatusCode.InternalServerError, "transform_unexpected_message");
      }
    }

    /**
     * When responses are transformed, the upstream is asked for an uncompressed body: the
     * transformer reads JSON, not gzip.
     */
    private HeadersResponse requestHeadersResponse() {
      if (transformation.response().isEmpty()) {
        return HeadersResponse.getDefaultInstance();
      }
      return HeadersResponse.newBuilder()
          .setResponse(
              CommonResponse.newBuilder()
                  .setHeaderMutation(
                      HeaderMutation.newBuilder().addRemoveHeaders("accept-encoding")))
          .build();
    }

    private void requestBody(byte[] body) {
      if (body.length == 0 || transformation.request().isEmpty()) {
        out.onNext(
            ProcessingResponse.newBuilder()
                .setRequestBody(BodyResponse.getDefaultInstance())
                .build());
        return;
      }
      if (!JsonTransformer.isJson(requestType)) {
        // Undeclared JSON would reach an upstream that parses it anyway, untransformed.
        immediate(StatusCode.UnsupportedMediaType, "transform_request_not_json");
        return;
      }
      if (requestEncoded) {
        immediate(StatusCode.UnsupportedMediaType, "transform_request_encoded");
        return;
      }
      JsonTransformer.Result result =
          transformer.transform(
              body, requestType, transformation.request(), transformation.maxBytes(), request);
      if (result instanceof JsonTransformer.Refused refused) {
        immediate(
            refused.refusal() == JsonTransformer.Refusal.TOO_LARGE
                ? StatusCode.PayloadTooLarge
                : StatusCode.BadRequest,
            "transform_request_" + refused.refusal().name().toLowerCase(Locale.ROOT));
        return;
      }
      out.onNext(
          ProcessingResponse.newBuilder().setRequestBody(bodyResponse(result, true)).build());
    }

    private void responseBody(byte[] body) {
      if (transformation.response().isEmpty()) {
        out.onNext(
            ProcessingResponse.newBuilder()
                .setResponseBody(BodyResponse.getDefaultInstance())
                .build());
        return;
      }
      if (responseEncoded && body.length > 0 && JsonTransformer.isJson(responseType)) {
        // The upstream compressed despite the request without accept-encoding: fail closed.
        immediate(StatusCode.BadGateway, "transform_response_encoded");
        return;
      }
      JsonTransformer.Result result =
          transformer.transform(
              body, responseType, transformation.response(), transformation.maxBytes(), request);
      if (result instanceof JsonTransformer.Refused refused) {
        immediate(
            StatusCode.BadGateway,
            "transform_response_" + refused.refusal().name().toLowerCase(Locale.ROOT));
        return;
      }
      out.onNext(
          ProcessingResponse.newBuilder().setResponseBody(bodyResponse(result, false)).build());
    }

    private BodyResponse bodyResponse(JsonTransformer.Result result, boolean requestSide) {
      if (!(result instanceof JsonTransformer.Transformed transformed)) {
        return BodyResponse.getDefaultInstance();
      }
      if (!transformed.skipped().isEmpty() && log.isDebugEnabled()) {
        log.debug(
            "transformation {} ({}) skipped: {}",
            name,
            requestSide ? "request" : "response",
            transformed.skipped());
      }
      byte[] body = transformed.body();
      return BodyResponse.newBuilder()
          .setResponse(
              CommonResponse.newBuilder()
                  .setHeaderMutation(
                      HeaderMutation.newBuilder()
                          .addSetHeaders(
                              HeaderValueOption.newBuilder()
                                  .setHeader(
                                      HeaderValue.newBuilder()
                                          .setKey("content-length")
                                          .setRawValue(
                                              ByteString.copyFromUtf8(
                                                  Integer.toString(body.length))))
                                  .setAppendAction(
                                      HeaderValueOption.HeaderAppendAction
                                          .OVERWRITE_IF_EXISTS_OR_ADD)))
                  .setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFrom(body))))
          .build();
    }

    /** Ends the HTTP request with {@code status}; the body names the reason, never the content. */
    private void immediate(StatusCode status, String details) {
      done = true;
      out.onNext(
          ProcessingResponse.newBuilder()
              .setImmediateResponse(
                  ImmediateResponse.newBuilder()
                      .setStatus(HttpStatus.newBuilder().setCode(status))
                      .setDetails(details)
                      .setBody(ByteString.copyFromUtf8(details + "\n")))
              .build());
      out.onCompleted();
    }

    @Override
    public void onError(Throwable t) {
      // Envoy ended the stream (the client went away, or a timeout): nothing to answer.
      done = true;
    }

    @Override
    public void onCompleted() {
      if (!done) {
        done = true;
        out.onCompleted();
      }
    }
  }

  /** Whether a {@code content-encoding} other than identity is set: the body is not plain JSON. */
  private static boolean encoded(Map<String, String> headers) {
    String encoding = headers.get("content-encoding");
    return encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity");
  }

  /**
   * Header names lower-case; the value from {@code raw_value} (current Envoys) or {@code value}.
   */
  static Map<String, String> headers(HttpHeaders headers) {
    HeaderMap map = headers.getHeaders();
    Map<String, String> out = new HashMap<>();
    for (HeaderValue header : map.getHeadersList()) {
      String value =
          header.getRawValue().isEmpty()
              ? header.getValue()
              : header.getRawValue().toString(StandardCharsets.UTF_8);
      out.merge(header.getKey().toLowerCase(Locale.ROOT), value, (a, b) -> a + "," + b);
    }
    return out;
  }

  /** The verified JWT's top-level claims as text; empty when Envoy forwarded none. */
  static Map<String, String> claims(ProcessingRequest message) {
    Struct jwt = message.getMetadataContext().getFilterMetadataMap().get(CLAIMS_NAMESPACE);
    if (jwt == null || !jwt.getFieldsMap().containsKey(CLAIMS_KEY)) {
      return Map.of();
    }
    Map<String, String> claims = new HashMap<>();
    jwt.getFieldsMap()
        .get(CLAIMS_KEY)
        .getStructValue()
        .getFieldsMap()
        .forEach((name, value) -> claims.put(name, text(value)));
    return claims;
  }

  private static String text(Value value) {
    return switch (value.getKindCase()) {
      case STRING_VALUE -> value.getStringValue();
      case NUMBER_VALUE -> {
        double d = value.getNumberValue();
        yield d == Math.rint(d) && Math.abs(d) < 1e15
            ? Long.toString((long) d)
            : Double.toString(d);
      }
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case LIST_VALUE ->
          value.getListValue().getValuesList().stream()
              .map(TransformService::json)
              .collect(Collectors.joining(",", "[", "]"));
      case STRUCT_VALUE -> json(value);
      default -> "";
    };
  }

  private static String json(Value value) {
    return switch (value.getKindCase()) {
      case STRING_VALUE -> quote(value.getStringValue());
      case STRUCT_VALUE ->
          value.getStructValue().getFieldsMap().entrySet().stream()
              .sorted(Map.Entry.comparingByKey())
              .map(e -> quote(e.getKey()) + ":" + json(e.getValue()))
              .collect(Collectors.joining(",", "{", "}"));
      case NULL_VALUE, KIND_NOT_SET -> "null";
      default -> text(value);
    };
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  /** Puts the stream's transformation name into its gRPC context. */
  private static final class NameFromMetadata implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String name = headers.get(NAME_KEY);
      return Contexts.interceptCall(Context.current().withValue(NAME, name), call, headers, next);
    }
  }
}
