package io.meshgate.config.model;

/** The desired state of one kind; exactly one implementation per {@link Kind}. */
public sealed interface Spec
    permits GatewaySpec,
        HttpRouteSpec,
        GrpcRouteSpec,
        TlsRouteSpec,
        TcpRouteSpec,
        ReferenceGrantSpec,
        BackendTlsPolicySpec,
        TrafficPolicySpec,
        SecurityPolicySpec,
        TransformPolicySpec,
        BackendSpec,
        WorkloadSpec,
        SidecarSpec,
        TrafficPermissionSpec,
        MeshBridgeSpec,
        SecretSpec {}
