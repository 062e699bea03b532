package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendProtocol;
import io.meshgate.config.model.BackendRef;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.ExtAuth;
import io.meshgate.config.model.ExtAuthProtocol;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.ExtAuthIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code extAuth} of every SecurityPolicy, checked once: the service its routes are checked by,
 * an explicit "no check" that overrides a wider policy, or — when the service cannot be reached as
 * written — broken. A broken policy fails closed: the routes it governs answer 500 (RouteRules).
 *
 * <p>{@code failOpen} does not change that. It is about the service failing at run time (down,
 * slow, answering 5xx), which an operator chose to tolerate; a Backend that does not exist or may
 * not be referred to is a config mistake, and letting every request through unchecked until someone
 * notices would turn a typo into a public API.
 */
final class ExtAuthPolicies {
  /** What a SecurityPolicy's {@code extAuth} asks of the routes it governs. */
  sealed interface Ext {
    /**
     * Each request is checked by {@code service}.
     *
     * @param backend the Backend the service runs as; its cluster joins each group that uses it
     * @param port the backendRef's port; null: every endpoint
     * @param policy the SecurityPolicy, which refers to the Backend
     */
    record Checked(ExtAuthIr service, Resource backend, Integer port, Resource policy)
        implements Ext {}

    /** {@code disabled: true}: no check, whatever a wider policy asks. */
    record Off(SourceRef policy) implements Ext {}

    /** Could not be translated (Problems say why): its routes answer 500. */
    record Broken(SourceRef policy) implements Ext {}
  }

  private ExtAuthPolicies() {}

  /** Every SecurityPolicy that sets {@code extAuth}, by key; Problems for those that are broken. */
  static Map<ResourceKey, Ext> of(Context context) {
    Map<ResourceKey, Ext> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      ExtAuth ext = policy.spec(SecurityPolicySpec.class).extAuth();
      if (ext != null) {
        byPolicy.put(policy.key(), ext(context, policy, ext));
      }
    }
    return byPolicy;
  }

  private static Ext ext(Context context, Resource policy, ExtAuth ext) {
    SourceRef source = Context.source(policy);
    if (ext.turnsOff()) {
      return new Ext.Off(source);
    }
    Optional<Resource> backend = backend(context, policy, ext);
    if (backend.isEmpty()) {
      return new Ext.Broken(source);
    }
    BackendRef ref = ext.backendRef();
    ResourceKey key = backend.get().key();
    boolean grpc = ext.protocol() == ExtAuthProtocol.GRPC;
    return new Ext.Checked(
        new ExtAuthIr(
            Names.extAuth(policy.key()),
            grpc ? ExtAuthIr.Protocol.GRPC : ExtAuthIr.Protocol.HTTP,
            Names.cluster(key, ref.port()),
            key.name() + "." + key.namespace(),
            grpc ? null : ext.path(),
            headers(ext.headersToBackend()),
            grpc ? List.of() : headers(ext.headersToUpstream()),
            Boolean.TRUE.equals(ext.failOpen()),
            RouteRules.millis(ext.timeout()),
            source),
        backend.get(),
        ref.port(),
        policy);
  }

  /**
   * The Backend the service runs as, or empty with a Problem: it must exist, be one the policy may
   * refer to (its namespace, or a ReferenceGrant there), and speak what the protocol needs.
   */
  private static Optional<Resource> backend(Context context, Resource policy, ExtAuth ext) {
    String at = "/spec/extAuth/backendRef";
    String closed = "; the routes this policy governs answer 500 until it is fixed";
    BackendRef ref = ext.backendRef();
    String namespace = ref.namespace() == null ? policy.metadata().namespace() : ref.namespace();
    if (!ReferenceGrants.allows(
        context.config, policy, ref.group(), ref.kind(), namespace, ref.name())) {
      context.problem(
          policy,
          at,
          ProblemReason.REF_NOT_PERMITTED,
          "reference to "
              + ref.kind()
              + " "
              + namespace
              + "/"
              + ref.name()
              + " in another namespace needs a ReferenceGrant in namespace "
              + namespace
              + closed);
      return Optional.empty();
    }
    Optional<Resource> backend = context.get(new ResourceKey(Kind.BACKEND, namespace, ref.name()));
    if (backend.isEmpty()) {
      context.problem(
          policy,
          at,
          ProblemReason.BACKEND_NOT_FOUND,
          "backend '" + ref.name() + "' not found in namespace " + namespace + closed);
      return Optional.empty();
    }
    BackendProtocol spoken = backend.get().spec(BackendSpec.class).protocol();
    boolean grpc = ext.protocol() == ExtAuthProtocol.GRPC;
    boolean fits =
        grpc
            ? spoken == BackendProtocol.GRPC || spoken == BackendProtocol.HTTP2
            : spoken != BackendProtocol.TCP;
    if (!fits) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          "Backend "
              + namespace
              + "/"
              + ref.name()
              + " speaks "
              + spoken
              + "; a "
              + ext.protocol()
              + " authorization service needs "
              + (grpc
                  ? "protocol GRPC or HTTP2 (gRPC runs on HTTP/2)"
                  : "protocol HTTP, HTTP2 or GRPC")
              + closed);
      return Optional.empty();
    }
    return backend;
  }

  /** Header names as Envoy holds them (lower-case), sorted, each once. */
  private static List<String> headers(List<String> names) {
    return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().sorted().toList();
  }
}
