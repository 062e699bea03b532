package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcOverrides;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.MetadataOptions;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshgate.config.model.Template;
import io.meshgate.xds.ir.BodyTransformIr;
import io.meshgate.xds.ir.CacheIr;
import io.meshgate.xds.ir.ExtProcIr;
import io.meshgate.xds.ir.HeaderTransformIr;
import io.meshgate.xds.ir.HeaderTransformIr.HeaderMutationIr;
import io.meshgate.xds.ir.TransformIr;
import java.util.List;

/**
 * What TransformPolicies become in Envoy: header mutation per route ({@code
 * envoy.filters.http.header_mutation}, always in the chain, configured per route), one response
 * cache filter per policy ({@code envoy.filters.http.cache} with the in-memory simple cache; its
 * config cannot live per route, so it is in the chains whose routes use it, disabled, and enabled
 * by those routes), and body transformation by meshgate's external processing service ({@code
 * envoy.filters.http.ext_proc}, in the chains whose routes use it, disabled, and enabled per route
 * with overrides that name the transformation).
 */
final class Transforms {
  static final String HEADER_MUTATION = "envoy.filters.http.header_mutation";
  static final String EXT_PROC = "envoy.filters.http.ext_proc";

  /** The gRPC initial metadata that names a route's transformation to the body service. */
  static final String TRANSFORM_METADATA = "x-meshgate-transform";

  /** How long Envoy waits for each answer of the body service. */
  private static final long MESSAGE_TIMEOUT_MILLIS = 1_000;

  private static final String CLAIMS_NAMESPACE = JwtAuthn.NAME;

  private Transforms() {}

  /** A route's entries in {@code typed_per_filter_config} for what its TransformPolicies ask. */
  static void perRoute(Route.Builder route, TransformIr transform) {
    if (transform == null) {
      return;
    }
    if (transform.headers() != null) {
      route.putTypedPerFilterConfig(
          HEADER_MUTATION, Any.pack(headersPerRoute(transform.headers())));
    }
    if (transform.cache() != null) {
      route.putTypedPerFilterConfig(transform.cache().name(), enabled());
    }
    if (transform.body() != null) {
      route.putTypedPerFilterConfig(EXT_PROC, Any.pack(extProcPerRoute(transform.body())));
    }
  }

  static HeaderMutationPerRoute headersPerRoute(HeaderTransformIr headers) {
    Mutations.Builder mutations = Mutations.newBuilder();
    headers.request().forEach(m -> mutations.addAllRequestMutations(mutations(m)));
    headers.response().forEach(m -> mutations.addAllResponseMutations(mutations(m)));
    return HeaderMutationPerRoute.newBuilder().setMutations(mutations).build();
  }

  /**
   * Envoy skips a value that renders empty (a claim or header that is absent), which for a set
   * would leave the client's own copy in place: a set whose value has references removes the header
   * first, so the upstream sees meshgate's value or none.
   */
  private static List<HeaderMutation> mutations(HeaderMutationIr mutation) {
    if (mutation.op() == HeaderTransformIr.Op.SET && !Template.parse(mutation.value()).literal()) {
      return List.of(
          HeaderMutation.newBuilder().setRemove(mutation.name()).build(), mutation(mutation));
    }
    return List.of(mutation(mutation));
  }

  private static HeaderMutation mutation(HeaderMutationIr mutation) {
    if (mutation.op() == HeaderTransformIr.Op.REMOVE) {
      return HeaderMutation.newBuilder().setRemove(mutation.name()).build();
    }
    return HeaderMutation.newBuilder()
        .setAppend(
            HeaderValueOption.newBuilder()
                .setHeader(
                    HeaderValue.newBuilder()
                        .setKey(mutation.name())
                        .setValue(formatter(Template.parse(mutation.value()))))
                .setAppendAction(
                    mutation.op() == HeaderTransformIr.Op.SET
                        ? HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
                        : HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
        .build();
  }

  /**
   * A template in Envoy's substitution format: literal {@code %} doubled, each reference a command.
   * Claims come from the payload jwt_authn leaves in the request's metadata.
   */
  static String formatter(Template template) {
    StringBuilder out = new StringBuilder();
    for (Template.Part part : template.parts()) {
      if (part instanceof Template.Literal literal) {
        out.append(literal.text().replace("%", "%%"));
      } else if (part instanceof Template.RequestHeader header) {
        out.append("%REQ(").append(header.name()).append(")%");
      } else if (part instanceof Template.RequestPath) {
        out.append("%REQ(:path)%");
      } else if (part instanceof Template.RequestMethod) {
        out.append("%REQ(:method)%");
      } else if (part instanceof Template.ClientIp) {
        out.append("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%");
      } else {
        Template.Claim claim = (Template.Claim) part;
        out.append("%DYNAMIC_METADATA(")
            .append(CLAIMS_NAMESPACE)
            .append(':')
            .append(JwtAuthn.PAYLOAD_METADATA)
            .append(':')
            .append(claim.name())
            .append(")%");
      }
    }
    return out.toString();
  }

  /**
   * A policy's cache: the in-memory simple cache, the vary headers allowed (a response that varies
   * on any other is not stored) and the largest body stored.
   */
  static CacheConfig cacheFilter(CacheIr cache) {
    CacheConfig.Builder config =
        CacheConfig.newBuilder()
            .setTypedConfig(Any.pack(SimpleHttpCacheConfig.getDefaultInstance()))
            .setMaxBodyBytes(cache.maxBodyBytes());
    for (String header : cache.varyHeaders()) {
      config.addAllowedVaryHeaders(StringMatcher.newBuilder().setExact(header));
    }
    return config.build();
  }

  /** Turns a filter that is disabled in the chain on for a route. */
  static Any enabled() {
    return Any.pack(FilterConfig.getDefaultInstance());
  }

  /**
   * The chain's ext_proc filter: meshgate's body service over gRPC; nothing is sent unless a route
   * asks. A service that fails (unreachable, too slow) fails the request: a body the upstream would
   * read untransformed could carry fields the policy removes.
   */
  static ExternalProcessor extProcFilter(ExtProcIr service) {
    return ExternalProcessor.newBuilder()
        .setGrpcService(
            GrpcService.newBuilder()
                .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(service.cluster()))
                .setTimeout(Durations.fromMillis(MESSAGE_TIMEOUT_MILLIS)))
        .setMessageTimeout(Durations.fromMillis(MESSAGE_TIMEOUT_MILLIS))
        .setProcessingMode(
            ProcessingMode.newBuilder()
                .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SKIP)
                .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SKIP))
        .build();
  }

  /**
   * A route's body transformation: the service gets the request headers (for templates and the
   * content type), the bodies the policy changes, buffered whole, and the transformation's name as
   * gRPC initial metadata; with claims, the verified JWT payload too.
   */
  static ExtProcPerRoute extProcPerRoute(BodyTransformIr body) {
    boolean responses = !body.response().isEmpty();
    ProcessingMode mode =
        ProcessingMode.newBuilder()
            .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SEND)
            .setRequestBodyMode(
                body.request().isEmpty()
                    ? ProcessingMode.BodySendMode.NONE
                    : ProcessingMode.BodySendMode.BUFFERED)
            .setResponseHeaderMode(
                responses ? ProcessingMode.HeaderSendMode.SEND : ProcessingMode.HeaderSendMode.SKIP)
            .setResponseBodyMode(
                responses ? ProcessingMode.BodySendMode.BUFFERED : ProcessingMode.BodySendMode.NONE)
            .setRequestTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
            .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
            .build();
    ExtProcOverrides.Builder overrides =
        ExtProcOverrides.newBuilder()
            .setProcessingMode(mode)
            .addGrpcInitialMetadata(
                HeaderValue.newBuilder().setKey(TRANSFORM_METADATA).setValue(body.name()));
    if (body.usesClaims()) {
      overrides.setMetadataOptions(
          MetadataOptions.newBuilder()
              .setForwardingNamespaces(
                  MetadataOptions.MetadataNamespaces.newBuilder().addUntyped(CLAIMS_NAMESPACE)));
    }
    return ExtProcPerRoute.newBuilder().setOverrides(overrides).build();
  }

  /** The body service's cluster: one address, HTTP/2 (gRPC). */
  static Cluster extProcCluster(ExtProcIr service) {
    return Clusters.edgeService(service.cluster(), service.host(), service.port());
  }
}
