package io.meshgate.config.store;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;

/**
 * Every etcd key meshgate uses, and nothing else does: docs/architecture.md lists them. Kinds are
 * lowercased in keys ({@code /meshgate/v1/resources/httproute/default/web}).
 */
public final class Keyspace {
  public static final String ROOT = "/meshgate/v1/";

  /**
   * The cluster's public sealing key (PEM), published by {@code meshgate seal-key create
   * --publish}.
   */
  public static final String SEAL_PUBLIC = ROOT + "seal/public";

  /** Election key for singleton work (status write-back). */
  public static final String LEADER = ROOT + "leader";

  /**
   * Who wrote the conditions: the status leader's replica id and term, put by every fenced
   * transaction that writes conditions, so that etcd's history names the term of each such write.
   */
  public static final String CONDITIONS_WRITER = ROOT + "conditions-writer";

  /**
   * The mesh CA's roots: one JSON value holding every root, oldest first, each with its private key
   * sealed for the cluster's seal key. One value, so that a rotation is one guarded write.
   */
  public static final String MESH_CA_ROOTS = ROOT + "mesh-ca/roots";

  private Keyspace() {}

  /** The stored resource (JSON). */
  public static String resource(ResourceKey key) {
    return ROOT + "resources/" + path(key);
  }

  /** Every stored resource. */
  public static String resourcesPrefix() {
    return ROOT + "resources/";
  }

  /** Stored resources of one kind. */
  public static String resourcesPrefix(Kind kind) {
    return resourcesPrefix() + kind.lowerName() + "/";
  }

  /** Stored resources of one kind in one namespace. */
  public static String resourcesPrefix(Kind kind, String namespace) {
    return resourcesPrefix(kind) + namespace + "/";
  }

  /** The applier's status: Accepted and the outcomes of the last events. */
  public static String status(ResourceKey key) {
    return ROOT + "status/" + path(key);
  }

  public static String statusPrefix() {
    return ROOT + "status/";
  }

  /** The serving leader's conditions: ResolvedRefs, Programmed. */
  public static String conditions(ResourceKey key) {
    return ROOT + "conditions/" + path(key);
  }

  /** The last applied offset of a partition (exactly-once). */
  public static String offset(String topic, int partition) {
    return ROOT + "offsets/" + topic + "/" + partition;
  }

  /** Every partition's last applied offset. */
  public static String offsetsPrefix() {
    return ROOT + "offsets/";
  }

  /** One generation of a resource's history. */
  public static String history(ResourceKey key, String uid, long generation) {
    return historyPrefix(key, uid) + String.format("%020d", generation);
  }

  /** The history of one life (uid) of a resource; generations sort numerically. */
  public static String historyPrefix(ResourceKey key, String uid) {
    return ROOT + "history/" + path(key) + "/" + uid + "/";
  }

  /** A proxy-token signing key. */
  public static String tokenKey(String kid) {
    return ROOT + "tokens/keys/" + kid;
  }

  /** A replica's lease-bound membership. */
  public static String member(String replicaId) {
    return ROOT + "members/" + replicaId;
  }

  /** A replica's lease-bound summary of one proxy group's ACKs and NACKs. */
  public static String acks(String replicaId, String group) {
    return ROOT + "acks/" + replicaId + "/" + group;
  }

  /**
   * What a replica's proxies rejected, for the other replicas: under a lease that outlives the
   * replica by its TTL (docs/status.md, "What a NACK holds back").
   */
  public static String rejections(String replicaId) {
    return rejectionsPrefix() + replicaId;
  }

  /** Every replica's published rejections. */
  public static String rejectionsPrefix() {
    return ROOT + "rejections/";
  }

  /**
   * A Workload registered by an agent (or a sidecar's stream) through an xds-node, under a lease
   * the agent's reports renew: it goes when the agent stops reporting.
   */
  public static String registration(ResourceKey workload) {
    if (workload.kind() != Kind.WORKLOAD) {
      throw new IllegalArgumentException("registration: " + workload + " (expected: a Workload)");
    }
    return registrationsPrefix() + workload.namespace() + "/" + workload.name();
  }

  /** Every registration. */
  public static String registrationsPrefix() {
    return ROOT + "registrations/";
  }

  /** The Workload a registration's key names. */
  public static ResourceKey parseRegistrationKey(String key) {
    String prefix = registrationsPrefix();
    String[] parts = key.startsWith(prefix) ? key.substring(prefix.length()).split("/") : null;
    if (parts == null || parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "key: " + key + " (expected: " + prefix + "<namespace>/<name>)");
    }
    return new ResourceKey(Kind.WORKLOAD, parts[0], parts[1]);
  }

  /** Reads a resource key back from a path under resources/, status/ or conditions/. */
  public static ResourceKey parseResourceKey(String key) {
    if (!key.startsWith(ROOT)) {
      throw new IllegalArgumentException("key: " + key + " (expected: under " + ROOT + ")");
    }
    String[] parts = key.substring(ROOT.length()).split("/");
    if (parts.length != 4) {
      throw new IllegalArgumentException(
          "key: " + key + " (expected: " + ROOT + "<area>/<kind>/<namespace>/<name>)");
    }
    Kind kind =
        Kind.findIgnoringCase(parts[1])
            .orElseThrow(() -> new IllegalArgumentException("key: " + key + " names no kind"));
    return new ResourceKey(kind, parts[2], parts[3]);
  }

  private static String path(ResourceKey key) {
    return key.kind().lowerName() + "/" + key.namespace() + "/" + key.name();
  }
}
