package io.meshgate.testkit;

import static io.meshgate.testkit.HashicorpApiServer.field;
import static io.meshgate.testkit.HashicorpApiServer.first;
import static io.meshgate.testkit.HashicorpApiServer.quote;
import static io.meshgate.testkit.HashicorpApiServer.send;
import static io.meshgate.testkit.HashicorpApiServer.text;
import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import io.meshgate.testkit.ConsulConnectCa.Leaf;
import io.meshgate.testkit.ConsulConnectCa.Root;
import io.meshgate.testkit.HashicorpApiServer.Blocking;
import io.meshgate.testkit.HashicorpApiServer.Dialect;
import io.meshgate.testkit.HashicorpApiServer.GoDuration;
import io.meshgate.testkit.HashicorpApiServer.Request;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An in-process stand-in for a Consul agent's HTTP API, for the endpoints meshgate's discovery uses
 * and the agent endpoints a test uses to change what discovery sees (Consul itself cannot be
 * installed on the project's machines). Tests change the catalog over HTTP, exactly as they would a
 * real agent's, or through Java levers where no agent has one ({@link #resetIndex}, {@link
 * #failNext}, {@link #slow}, {@link #stop}/{@link #start}, other nodes and datacenters through
 * {@link #register}), and point the client under test at {@link #address()}, what {@code
 * CONSUL_HTTP_ADDR} would hold. Connect (service mesh) levers: {@link #rotateConnectCa}, {@link
 * #renewLeaf}, {@link #intention}, {@link #removeIntention}; what a test checks certificates with:
 * {@link #activeRootPem}, {@link #connectRootsPem}, {@link #leafServiceUri}, {@link
 * #connectTrustDomain}.
 *
 * <p>Implemented, following HashiCorp's documentation (api-docs/health, api-docs/features/blocking,
 * api-docs/api-structure, api-docs/agent/service, api-docs/agent/check, api-docs/agent/connect,
 * api-docs/connect/intentions):
 *
 * <ul>
 *   <li>{@code PUT /v1/agent/service/register}: {@code Name} (required: 400 {@code Missing service
 *       name}), {@code ID} (defaults to the name), {@code Tags}, {@code Address}, {@code Port},
 *       {@code Meta}, {@code Weights} (default passing 1, warning 1), {@code Check} and {@code
 *       Checks}, {@code Kind} ({@code connect-proxy} only; another kind answers 400), {@code
 *       Proxy.DestinationServiceName} (required for a proxy: 400 without it; other {@code Proxy}
 *       fields are ignored) and {@code Connect.Native} ({@code Connect.SidecarService} answers 400:
 *       register the sidecar on its own); keys in CamelCase or snake_case. The instance lands in
 *       the local datacenter on node {@value #AGENT_NODE} ({@value #AGENT_NODE_ADDRESS});
 *       registering an ID again replaces it (a service in maintenance stays so). Only TTL checks
 *       are modelled; a check without an ID is {@code service:<id>} when alone, else {@code
 *       service:<id>:<n>} counting from 1 over {@code Check} then {@code Checks}, and starts {@code
 *       critical} unless {@code Status} says otherwise.
 *   <li>{@code PUT /v1/agent/service/deregister/:service_id}: removes the instance and its checks;
 *       an unknown ID is no action, as documented.
 *   <li>{@code PUT /v1/agent/check/pass|warn|fail/:check_id} and {@code PUT
 *       /v1/agent/check/update/:check_id} with {@code {"Status": ...}}: set a check; its current
 *       status is no write. {@code note} and {@code Output} are accepted and not kept.
 *   <li>{@code PUT /v1/agent/service/maintenance/:service_id?enable=...&reason=...}: a critical
 *       {@code _service_maintenance:<id>} check whose {@code Notes} is the reason; idempotent.
 *   <li>Every agent write that changes something moves the raft index, as the levers do, and with
 *       ACLs needs a known token: an unknown one answers 403 {@code ACL not found}, none 403 {@code
 *       Permission denied} (writes are refused, not filtered). Other methods than PUT answer 405.
 *       The pages do not say what a check or service ID the agent does not have answers for checks
 *       and maintenance; the double answers 404 {@code Unknown check ID "..."} / {@code Unknown
 *       service ID "..."} so that a test learns of its mistake.
 *   <li>{@code GET /v1/health/service/:service} with {@code dc}, {@code tag} (repeatable: an
 *       instance must carry every tag), {@code passing} (bare or a Go boolean; only entries whose
 *       checks are all passing, so a warning is filtered out too), {@code index} and {@code wait}.
 *       Entries are sorted by node, then service ID, and carry the node's {@code serfHealth} check
 *       beside the service's own {@code service:<id>} check.
 *   <li>Blocking queries: with {@code index > 0} and the service's index not greater than it, the
 *       request is held until the index passes it or {@code wait} elapses (default 5 m, at most 10
 *       m, plus a random jitter of up to wait/16), then answered with the current data. {@code
 *       X-Consul-Index} is the raft index of the last change to that service in that datacenter
 *       (for a service never seen there, of the last change in the datacenter), always at least 1.
 *       {@code X-Consul-KnownLeader: true} and {@code X-Consul-LastContact: 0} on every answer.
 *   <li>Index going backwards ({@link #resetIndex}, a snapshot restore): waiting queries answer at
 *       once with the lower index; a query that arrives later with its old, higher index holds
 *       until its wait ends and then gets the lower index - clients must reset to 0, as the
 *       blocking-queries page asks.
 *   <li>Maintenance: a node in maintenance carries a critical {@code _node_maintenance} check on
 *       every entry of that node; a service in maintenance a critical {@code
 *       _service_maintenance:<id>} check.
 *   <li>Datacenters: instances answer only queries for their datacenter; no {@code dc} means the
 *       local one; a datacenter the double was not built with answers 500 {@code No path to
 *       datacenter}.
 *   <li>ACLs, when built with {@link Builder#aclTokens}: the token comes from {@code ?token=}, then
 *       {@code X-Consul-Token}, then {@code Authorization: Bearer}. A token the double does not
 *       know answers 403 {@code ACL not found} (token resolution fails before any policy is looked
 *       at). No token means the anonymous token, which (as in a default-deny cluster) has no
 *       policy: health results are <em>filtered</em>, not refused, so it gets 200 with {@code []}
 *       and an index - the trap a client without its token falls into. The double does not set
 *       {@code X-Consul-Results-Filtered-By-ACLs} on such answers: as far as we know the agent
 *       withholds it from anonymous requests, but the pages do not say so. Known tokens may read
 *       everything; a known token without permission ({@code Permission denied}) is not modelled.
 *   <li>Malformed input is refused the way the agent refuses it: 400 {@code Invalid index} for an
 *       index that is not an unsigned decimal, 400 {@code Invalid wait time} for a wait that is not
 *       a Go duration ({@code 10s}, {@code 1m30s}, {@code 250ms}); these two bodies come from the
 *       agent, the pages do not spell them out. Unknown query parameters are ignored.
 *   <li>{@code GET /v1/health/connect/:service}: as {@code /v1/health/service} (parameters, entry
 *       shape, ACLs, blocking), listing the Connect-capable instances of the service: those named
 *       so with {@code Connect.Native}, and every {@code connect-proxy} whose {@code
 *       DestinationServiceName} it is (with the proxy's own name, address and port). Its index is
 *       that of the last change to one of those instances (or, never seen, the datacenter's).
 *       Entries of proxies carry {@code Kind} and {@code Proxy.DestinationServiceName}, of native
 *       instances {@code Connect.Native}; other entries carry neither.
 *   <li>The Connect CA, built in: an EC P-256 root (self-signed, CA, certSign and cRLSign, URI SAN
 *       {@code spiffe://<cluster-id>.consul}, valid ten years from a minute before it was made)
 *       whose cluster ID is a random UUID or {@link Builder#connectClusterId}; times come from
 *       {@link Builder#clock}, truncated to the second.
 *   <li>{@code GET /v1/agent/connect/ca/roots}: {@code ActiveRootID}, {@code TrustDomain} and
 *       {@code Roots}, oldest first, each with {@code ID} (colon-hex SHA-1 of the certificate),
 *       {@code Name}, {@code SerialNumber} (a number), {@code SigningKeyID} (the subject key
 *       identifier, colon-hex), {@code ExternalTrustDomain} (the cluster ID), {@code
 *       NotBefore}/{@code NotAfter} (RFC 3339 UTC), {@code RootCert}, {@code IntermediateCerts:
 *       null}, {@code Active}, {@code PrivateKeyType: "ec"}, {@code PrivateKeyBits: 256} and the
 *       indexes. {@code X-Consul-Index} is the index of the last CA change; blocking as for health.
 *       Roots need no token; with ACLs an unknown one answers 403 {@code ACL not found} (token
 *       resolution first, our reading).
 *   <li>{@code GET /v1/agent/connect/ca/leaf/:service}: {@code SerialNumber} (colon-hex), {@code
 *       CertPEM}, {@code PrivateKeyPEM} (SEC1 {@code EC PRIVATE KEY} with the public key, as Go
 *       writes it), {@code Service}, {@code ServiceURI} ({@code
 *       spiffe://<trust-domain>/ns/default/dc/<local-dc>/svc/<service>}), {@code ValidAfter},
 *       {@code ValidBefore} and the indexes. The leaf has its own P-256 key, that URI SAN and the
 *       DNS SAN {@code <service>.svc.default.<first 8 of cluster-id>.consul}, server and client
 *       auth, is signed by the active root, valid from a minute before it was issued for {@link
 *       Builder#leafTtl} (72 h by default). The first request for a service issues its leaf; the
 *       same leaf is answered until {@link #rotateConnectCa} or {@link #renewLeaf} replaces it, and
 *       {@code X-Consul-Index} is its {@code ModifyIndex}, so a blocking query holds until then.
 *       The double does not require the service to be registered; as far as we know the agent does
 *       not either (it asks for {@code service:write} on the name), but the pages do not say so.
 *       With ACLs: no token 403 {@code Permission denied}, an unknown one 403 {@code ACL not
 *       found}.
 *   <li>Rotation ({@link #rotateConnectCa}): a new root becomes active, the old ones stay in {@code
 *       Roots} with {@code Active: false}, and every leaf issued so far is issued again at once by
 *       the new root with a new key and serial; waiting roots and leaf queries wake.
 *   <li>{@code POST /v1/agent/connect/authorize} with {@code Target} and {@code ClientCertURI}: the
 *       source is the URI's {@code /svc/<name>}; a URI not of the form {@code
 *       spiffe://<host>/ns/<ns>/dc/<dc>/svc/<name>}, no {@code Target} or a body that is not JSON
 *       answer 400. The intention from that source to the target decides, else the one from {@value
 *       #WILDCARD}; the reason is then {@code Matched intention <source> => <target> (allow|deny)}.
 *       Without one the answer is allowed, reason {@value #DEFAULT_ALLOW_REASON} (a cluster whose
 *       ACLs default to allow). A URI of another trust domain is denied, reason {@value
 *       #FOREIGN_TRUST_DOMAIN_REASON}. All reasons are our wording, not the agent's: match {@code
 *       Authorized}, not the text. {@code ClientCertSerial} is not checked. ACLs as for leaves.
 *   <li>{@code GET /v1/connect/intentions/match?by=source|destination&name=...} ({@code name}
 *       repeatable): an object keyed by name, each a list of {@code ID}, {@code SourceNS}, {@code
 *       SourceName}, {@code DestinationNS}, {@code DestinationName}, {@code SourceType}, {@code
 *       Action}, {@code Precedence} (9 for an exact source, 8 for {@code *}) and indexes, by
 *       precedence then names. By source a name also matches {@code *}. A missing or other {@code
 *       by}, or no {@code name}, answers 400 (our wording). Blocking on the index of the last
 *       intention change. ACLs as for leaves.
 *   <li>CA and intention writes take the next raft index but do not move any service's or the
 *       datacenter's index; {@link #resetIndex} lowers their indexes too.
 * </ul>
 *
 * <p>Not implemented: any other endpoint (404), the catalog write API, check types other than TTL,
 * TTL expiry, {@code DeregisterCriticalServiceAfter}, {@code replace-existing-checks}, {@code
 * EnableTagOverride}, service kinds other than {@code connect-proxy} (gateways), sidecar
 * registration through {@code Connect.SidecarService}, proxy configuration beyond the destination
 * name, {@code /v1/agent/check/register}, node maintenance over HTTP (a lever), {@code filter} and
 * {@code near} (ignored: answers are unfiltered and unsorted by distance), consistency modes
 * ({@code stale}, {@code consistent}), hash based blocking, agent caching ({@code cached}),
 * namespaces and partitions beyond {@code default} (other values answer an empty list), per-token
 * policies (a known token reads everything), tagged addresses, health check definitions and
 * outputs. In Connect: intermediate CAs and cross-signing of a new root by the old, external CA
 * providers, CA configuration endpoints, {@code /v1/connect/ca/roots} (the server's), the agent's
 * own renewal of leaves before expiry (a leaf stays until a lever replaces it, whatever the clock),
 * CSR rate limits, revocation and {@code ClientCertSerial}, intention CRUD endpoints, L7 (HTTP)
 * intentions and permissions, wildcard destinations, peers, namespaces and partitions ({@code
 * ns/default} only), per-service ACL policies (a known token may do everything), and {@code dc} on
 * leaves.
 *
 * <p>Threading: levers may be called from any thread. Requests run on a pool of {@value
 * #HANDLER_THREADS} threads ({@link Builder#handlerThreads} for more), so that many blocking
 * queries can wait at once (further requests queue until one answers); all catalog state is guarded
 * by one lock. A change wakes the queries waiting on the service it touched, which then re-read
 * that service's index, and the queries for services the datacenter has never seen (their index is
 * the datacenter's); Connect health, leaf, roots and intentions queries wait under keys of their
 * own and wake only on their changes. An index reset or a stop wakes all. Keys are generated while
 * the lock is held (a rotation re-issues every leaf under it). The HTTP plumbing it shares with
 * {@link NomadApiDouble} is {@link HashicorpApiServer}.
 */
public final class ConsulApiDouble implements AutoCloseable {
  /**
   * How many requests (blocking queries included) can be in the double at once, unless built with
   * {@link Builder#handlerThreads}.
   */
  public static final int HANDLER_THREADS = HashicorpApiServer.HANDLER_THREADS;

  // ?token= is read before the headers. A 20-digit index answers 400 here but not in
  // NomadApiDouble:
  // the doubles were written apart, and sharing their plumbing was not to change either one.
  private static final Dialect CONSUL = new Dialect("consul", "X-Consul", "token", 19);
  private static final String HEALTH_SERVICE = "/v1/health/service/";
  private static final String AGENT = "/v1/agent/";

  /** The node the double's own agent runs on: services registered over HTTP land there. */
  public static final String AGENT_NODE = "consul-double";

  public static final String AGENT_NODE_ADDRESS = "127.0.0.1";

  /** The {@code Kind} of a sidecar proxy registration. */
  public static final String CONNECT_PROXY = "connect-proxy";

  /** How long a Connect leaf is valid unless built with {@link Builder#leafTtl}. */
  public static final Duration DEFAULT_LEAF_TTL = Duration.ofHours(72);

  /** The source of an intention that applies to every source without one of its own. */
  public static final String WILDCARD = "*";

  // Our wording for authorize reasons; the agent's differ and clients must not parse them.
  static final String DEFAULT_ALLOW_REASON = "No intention matched: default allow";
  static final String FOREIGN_TRUST_DOMAIN_REASON =
      "Client certificate is from another trust domain";

  private static final String CONNECT_ROOTS = "/v1/agent/connect/ca/roots";
  private static final String CONNECT_LEAF = "/v1/agent/connect/ca/leaf/";
  private static final String CONNECT_AUTHORIZE = "/v1/agent/connect/authorize";
  private static final String INTENTIONS_MATCH = "/v1/connect/intentions/match";
  private static final String HEALTH_CONNECT = "/v1/health/connect/";
  private static final Pattern SPIFFE_SERVICE =
      Pattern.compile("spiffe://([^/]+)/ns/([^/]+)/dc/([^/]+)/svc/([^/]+)");

  // Our wording: the pages say only that a default is used when no reason is given.
  static final String DEFAULT_MAINTENANCE_REASON = "maintenance mode, no reason given";

  /** A check's state, as Consul spells it. */
  public enum CheckStatus {
    PASSING("passing"),
    WARNING("warning"),
    CRITICAL("critical");

    private final String json;

    CheckStatus(String json) {
      this.json = json;
    }

    public String json() {
      return json;
    }
  }

  /**
   * One service instance on one node. An empty {@code serviceAddress} is allowed and means what it
   * means in Consul: clients must fall back to the node's address. {@code kind} is {@code ""} (a
   * typical service) or {@value #CONNECT_PROXY} (a sidecar proxy, whose {@code proxyDestination}
   * names the service it fronts; empty for any other instance); {@code connectNative} is {@code
   * Connect.Native}. Both make an instance appear in {@code /v1/health/connect/<service>}.
   */
  public record Instance(
      String node,
      String nodeAddress,
      Map<String, String> nodeMeta,
      String serviceId,
      String service,
      String serviceAddress,
      int port,
      List<String> tags,
      Map<String, String> serviceMeta,
      CheckStatus checkStatus,
      String kind,
      String proxyDestination,
      boolean connectNative) {
    public Instance {
      requireNonNull(node, "node");
      requireNonNull(nodeAddress, "nodeAddress");
      nodeMeta = Map.copyOf(nodeMeta);
      requireNonNull(serviceId, "serviceId");
      requireNonNull(service, "service");
      requireNonNull(serviceAddress, "serviceAddress");
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      tags = List.copyOf(tags);
      serviceMeta = Map.copyOf(serviceMeta);
      requireNonNull(checkStatus, "checkStatus");
      requireNonNull(kind, "kind");
      requireNonNull(proxyDestination, "proxyDestination");
      if (!kind.isEmpty() && !kind.equals(CONNECT_PROXY)) {
        throw new IllegalArgumentException(
            "kind: " + kind + " (expected \"\" or " + CONNECT_PROXY + "; others are not modelled)");
      }
      if (kind.isEmpty() != proxyDestination.isEmpty()) {
        throw new IllegalArgumentException(
            "proxyDestination: "
                + quote(proxyDestination)
                + " (expected one exactly when kind is "
                + CONNECT_PROXY
                + ")");
      }
      if (connectNative && !kind.isEmpty()) {
        throw new IllegalArgumentException("connectNative: a proxy cannot be Connect-native");
      }
    }

    /** A typical (not Connect) instance, as before Connect was modelled. */
    public Instance(
        String node,
        String nodeAddress,
        Map<String, String> nodeMeta,
        String serviceId,
        String service,
        String serviceAddress,
        int port,
        List<String> tags,
        Map<String, String> serviceMeta,
        CheckStatus checkStatus) {
      this(
          node,
          nodeAddress,
          nodeMeta,
          serviceId,
          service,
          serviceAddress,
          port,
          tags,
          serviceMeta,
          checkStatus,
          "",
          "",
          false);
    }

    /** A passing instance without tags or metadata whose service address is its node's. */
    public static Instance of(
        String service, String serviceId, String node, String address, int port) {
      return new Instance(
          node,
          address,
          Map.of(),
          serviceId,
          service,
          address,
          port,
          List.of(),
          Map.of(),
          CheckStatus.PASSING);
    }

    public Instance withTags(String... newTags) {
      return copy(List.of(newTags), serviceMeta, serviceAddress, checkStatus);
    }

    public Instance withServiceMeta(Map<String, String> meta) {
      return copy(tags, meta, serviceAddress, checkStatus);
    }

    public Instance withServiceAddress(String address) {
      return copy(tags, serviceMeta, address, checkStatus);
    }

    public Instance withCheckStatus(CheckStatus status) {
      return copy(tags, serviceMeta, serviceAddress, status);
    }

    /** This instance registered with {@code Connect: {"Native": true}}. */
    public Instance withConnectNative() {
      return new Instance(
          node,
          nodeAddress,
          nodeMeta,
          serviceId,
          service,
          serviceAddress,
          port,
          tags,
          serviceMeta,
          checkStatus,
          "",
          "",
          true);
    }

    /**
     * This instance as a sidecar: {@code Kind: "connect-proxy"}, {@code Proxy:
     * {"DestinationServiceName": destination}}; its own address and port are the proxy's.
     */
    public Instance asProxyFor(String destination) {
      requireNonNull(destination, "destination");
      return new Instance(
          node,
          nodeAddress,
          nodeMeta,
          serviceId,
          service,
          serviceAddress,
          port,
          tags,
          serviceMeta,
          checkStatus,
          CONNECT_PROXY,
          destination,
          false);
    }

    private Instance copy(
        List<String> newTags, Map<String, String> meta, String address, CheckStatus status) {
      return new Instance(
          node,
          nodeAddress,
          nodeMeta,
          serviceId,
          service,
          address,
          port,
          newTags,
          meta,
          status,
          kind,
          proxyDestination,
          connectNative);
    }

    /** The service whose Connect health lists this instance, or null. */
    @Nullable String connectTarget() {
      if (connectNative) {
        return service;
      }
      return kind.equals(CONNECT_PROXY) ? proxyDestination : null;
    }
  }

  /** Options for a double; {@link #start()} binds it. */
  public static final class Builder {
    private String localDatacenter = "dc1";
    private final Set<String> remoteDatacenters = new LinkedHashSet<>();
    private @Nullable Set<String> aclTokens;
    private int handlerThreads = HANDLER_THREADS;
    private String connectClusterId = UUID.randomUUID().toString();
    private Clock clock = Clock.systemUTC();
    private Duration leafTtl = DEFAULT_LEAF_TTL;

    private Builder() {}

    /**
     * The Connect CA's cluster ID, a UUID (random by default); the trust domain is {@code
     * <id>.consul}.
     */
    public Builder connectClusterId(String clusterId) {
      requireNonNull(clusterId, "clusterId");
      String normalized;
      try {
        normalized = UUID.fromString(clusterId).toString();
      } catch (IllegalArgumentException e) {
        normalized = "";
      }
      if (!normalized.equals(clusterId)) {
        throw new IllegalArgumentException(
            "clusterId: " + clusterId + " (expected a lower-case UUID)");
      }
      this.connectClusterId = clusterId;
      return this;
    }

    /**
     * What the Connect CA takes as now for certificate validity; the system UTC clock by default.
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** How long a Connect leaf is valid after it is issued ({@code 72h} by default). */
    public Builder leafTtl(Duration ttl) {
      requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
      }
      this.leafTtl = ttl;
      return this;
    }

    /**
     * How many requests can be in the double at once ({@value #HANDLER_THREADS} by default). Each
     * waiting blocking query holds one, so a client watching N services needs more than N.
     */
    public Builder handlerThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
      }
      this.handlerThreads = threads;
      return this;
    }

    /** The agent's own datacenter, answered when a query names none; {@code dc1} by default. */
    public Builder localDatacenter(String dc) {
      this.localDatacenter = requireNonNull(dc, "dc");
      return this;
    }

    /** Other datacenters the agent has a WAN path to. */
    public Builder remoteDatacenters(String... dcs) {
      remoteDatacenters.addAll(List.of(dcs));
      return this;
    }

    /** Turns ACLs on: these tokens are known (and may read everything); any other is not. */
    public Builder aclTokens(String... tokens) {
      this.aclTokens = Set.of(tokens);
      return this;
    }

    public ConsulApiDouble start() {
      ConsulApiDouble consul = new ConsulApiDouble(this);
      consul.server.bind(0);
      return consul;
    }
  }

  /** What the double has received: method and raw path with query, in arrival order. */
  public record ReceivedRequest(String method, String uri, @Nullable String token) {}

  private record ServiceKey(String dc, String service) {}

  /** What a {@code /v1/health/connect} query waits under: a change to a service's Connect set. */
  private record ConnectKey(String dc, String service) {}

  /** What a leaf query waits under. */
  private record LeafKey(String service) {}

  /** What roots and intention queries wait under. */
  private enum ConnectWait {
    ROOTS,
    INTENTIONS
  }

  private record IntentionKey(String source, String destination) {}

  /** An L4 intention, as {@link #intention} stored it. */
  private record Intention(
      String id,
      String source,
      String destination,
      boolean allow,
      long createIndex,
      long modifyIndex) {
    /** 9 for an exact source, 8 for {@code *} (the destination is always exact here). */
    int precedence() {
      return source.equals(WILDCARD) ? 8 : 9;
    }

    String action() {
      return allow ? "allow" : "deny";
    }

    Intention withIndexesAtMost(long to) {
      return new Intention(
          id, source, destination, allow, Math.min(createIndex, to), Math.min(modifyIndex, to));
    }
  }

  /** One health check of a service instance. */
  private record ServiceCheck(String id, String name, CheckStatus status) {
    ServiceCheck withStatus(CheckStatus newStatus) {
      return new ServiceCheck(id, name, newStatus);
    }
  }

  /** A service's weights, as Consul applies them to passing and warning instances. */
  private record Weights(int passing, int warning) {
    static final Weights DEFAULT = new Weights(1, 1);
  }

  /**
   * An instance as stored: the registered data plus what Consul adds to it. {@code checks} are the
   * instance's own checks (not the node's, not maintenance); {@code maintenanceReason} is the
   * critical maintenance check's note, meaningful only while {@code inMaintenance}.
   */
  private record Stored(
      Instance instance,
      Weights weights,
      List<ServiceCheck> checks,
      long createIndex,
      long modifyIndex,
      boolean inMaintenance,
      String maintenanceReason) {
    Stored {
      checks = List.copyOf(checks);
    }

    Stored withChecks(List<ServiceCheck> newChecks, long index) {
      return new Stored(
          instance, weights, newChecks, createIndex, index, inMaintenance, maintenanceReason);
    }

    Stored withMaintenance(boolean on, String reason, long index) {
      return new Stored(instance, weights, checks, createIndex, index, on, reason);
    }

    boolean allChecksPassing() {
      return checks.stream().allMatch(c -> c.status() == CheckStatus.PASSING);
    }
  }

  /** {@code connect}: {@code /v1/health/connect}, else {@code /v1/health/service}. */
  private record Query(
      String dc,
      String service,
      List<String> tags,
      boolean passingOnly,
      boolean defaultTenancy,
      @Nullable String token,
      boolean connect) {}

  private final String localDatacenter;
  private final Set<String> datacenters;
  private final @Nullable Set<String> aclTokens;

  private final HashicorpApiServer server;
  private final ReentrantLock lock;
  // Everything below is guarded by lock.
  private long raftIndex = 1;
  private final Map<String, Map<String, Stored>> instancesByDc = new HashMap<>();
  private final Map<String, Set<String>> nodesInMaintenance = new HashMap<>();
  private final Map<ServiceKey, Long> serviceIndexes = new HashMap<>();
  private final Map<String, Long> datacenterIndexes = new HashMap<>();
  private final Map<ConnectKey, Long> connectIndexes = new HashMap<>();
  private final List<Root> roots = new ArrayList<>();
  private long rootsIndex;
  private final Map<String, Leaf> leaves = new HashMap<>();
  private final Map<IntentionKey, Intention> intentions = new LinkedHashMap<>();
  private long intentionsIndex = 1;

  private final ConsulConnectCa ca = new ConsulConnectCa();
  private final String clusterId;
  private final String trustDomain;
  private final Clock clock;
  private final Duration leafTtl;

  private ConsulApiDouble(Builder builder) {
    this.localDatacenter = builder.localDatacenter;
    Set<String> dcs = new LinkedHashSet<>();
    dcs.add(builder.localDatacenter);
    dcs.addAll(builder.remoteDatacenters);
    this.datacenters = Set.copyOf(dcs);
    this.aclTokens = builder.aclTokens;
    this.server = new HashicorpApiServer(CONSUL, this::serve, builder.handlerThreads);
    this.lock = server.lock();
    this.clusterId = builder.connectClusterId;
    this.trustDomain = clusterId + ".consul";
    this.clock = builder.clock;
    this.leafTtl = builder.leafTtl;
    // The first root exists from the start, at the first index, as a new cluster's does.
    roots.add(ca.newRoot(clusterId, trustDomain, now(), 1));
    rootsIndex = 1;
  }

  /** A double for datacenter {@code dc1} without ACLs, already listening. */
  public static ConsulApiDouble create() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code http://127.0.0.1:PORT}, the value {@code CONSUL_HTTP_ADDR} would hold. */
  public String address() {
    return server.address();
  }

  public String localDatacenter() {
    return localDatacenter;
  }

  // ---- levers: catalog ------------------------------------------------------------------------

  /** Registers (or replaces, by service ID) an instance in {@code dc}. */
  public void register(String dc, Instance instance) {
    requireNonNull(instance, "instance");
    lock.lock();
    try {
      ServiceCheck own =
          new ServiceCheck(
              "service:" + instance.serviceId(),
              "Service '" + instance.service() + "' check",
              instance.checkStatus());
      put(dc, instance, Weights.DEFAULT, List.of(own));
    } finally {
      lock.unlock();
    }
  }

  /** Stores a registration, replacing one with the same service ID; maintenance carries over. */
  private void put(String dc, Instance instance, Weights weights, List<ServiceCheck> checks) {
    Map<String, Stored> instances = instancesOf(dc);
    Stored previous = instances.get(instance.serviceId());
    long index = nextIndex(dc);
    long created = previous == null ? index : previous.createIndex();
    boolean maintenance = previous != null && previous.inMaintenance();
    String reason = previous == null ? "" : previous.maintenanceReason();
    instances.put(
        instance.serviceId(),
        new Stored(instance, weights, checks, created, index, maintenance, reason));
    touched(dc, instance, index);
    if (previous != null && !previous.instance().equals(instance)) {
      touched(dc, previous.instance(), index);
    }
  }

  public void deregister(String dc, String serviceId) {
    lock.lock();
    try {
      Stored removed = instancesOf(dc).remove(stored(dc, serviceId).instance().serviceId());
      touched(dc, removed.instance(), nextIndex(dc));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sets the status of the instance's own check, {@code service:<serviceId>}; setting the status it
   * already has is no write.
   */
  public void setCheckStatus(String dc, String serviceId, CheckStatus status) {
    requireNonNull(status, "status");
    lock.lock();
    try {
      Stored current = stored(dc, serviceId);
      String checkId = "service:" + serviceId;
      if (current.checks().stream().noneMatch(c -> c.id().equals(checkId))) {
        throw new IllegalArgumentException(
            "serviceId: "
                + serviceId
                + " (expected an instance with check "
                + checkId
                + "; it has "
                + current.checks().stream().map(ServiceCheck::id).toList()
                + ")");
      }
      updateCheck(dc, current, checkId, status);
    } finally {
      lock.unlock();
    }
  }

  /** Sets one check of a stored instance; its current status is no write. Lock held. */
  private void updateCheck(String dc, Stored current, String checkId, CheckStatus status) {
    List<ServiceCheck> checks = new ArrayList<>();
    boolean changes = false;
    for (ServiceCheck check : current.checks()) {
      if (check.id().equals(checkId) && check.status() != status) {
        check = check.withStatus(status);
        changes = true;
      }
      checks.add(check);
    }
    if (!changes) {
      return;
    }
    long index = nextIndex(dc);
    instancesOf(dc).put(current.instance().serviceId(), current.withChecks(checks, index));
    touched(dc, current.instance(), index);
  }

  /** Puts a service instance into maintenance: a critical {@code _service_maintenance} check. */
  public void maintenance(String dc, String serviceId) {
    setServiceMaintenance(dc, serviceId, true, DEFAULT_MAINTENANCE_REASON);
  }

  public void endMaintenance(String dc, String serviceId) {
    setServiceMaintenance(dc, serviceId, false, "");
  }

  /** Puts a node into maintenance: a critical {@code _node_maintenance} check on all it runs. */
  public void nodeMaintenance(String dc, String node) {
    setNodeMaintenance(dc, node, true);
  }

  public void endNodeMaintenance(String dc, String node) {
    setNodeMaintenance(dc, node, false);
  }

  /**
   * A write that changes nothing a query sees but still moves the service's index, as an idempotent
   * re-registration does: the documented reason a blocking query may return unchanged data.
   */
  public void touch(String dc, String service) {
    lock.lock();
    try {
      instancesOf(dc);
      long index = nextIndex(dc);
      touched(dc, service, index);
      touchedConnect(dc, service, index);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves every index back to at most {@code to}, as a snapshot restore does; waiting queries
   * answer at once with the lower index. Clients must then start again from index 0.
   */
  public void resetIndex(long to) {
    if (to < 1) {
      throw new IllegalArgumentException("to: " + to + " (expected: >= 1)");
    }
    lock.lock();
    try {
      raftIndex = to;
      serviceIndexes.replaceAll((key, index) -> Math.min(index, to));
      datacenterIndexes.replaceAll((dc, index) -> Math.min(index, to));
      connectIndexes.replaceAll((key, index) -> Math.min(index, to));
      rootsIndex = Math.min(rootsIndex, to);
      roots.replaceAll(root -> root.withIndexesAtMost(to));
      leaves.replaceAll((service, leaf) -> leaf.withIndexesAtMost(to));
      intentionsIndex = Math.min(intentionsIndex, to);
      intentions.replaceAll((key, intention) -> intention.withIndexesAtMost(to));
      server.answerWaitingNow();
    } finally {
      lock.unlock();
    }
  }

  /** The current raft index: the index of the last change anywhere. */
  public long raftIndex() {
    lock.lock();
    try {
      return raftIndex;
    } finally {
      lock.unlock();
    }
  }

  // ---- levers: Connect ------------------------------------------------------------------------

  /** The Connect CA's cluster ID, a UUID. */
  public String connectClusterId() {
    return clusterId;
  }

  /** {@code <cluster-id>.consul}, the host of every SPIFFE ID the CA signs. */
  public String connectTrustDomain() {
    return trustDomain;
  }

  /** The PEM of every root the CA has had, oldest first; the last is the active one. */
  public List<String> connectRootsPem() {
    lock.lock();
    try {
      return roots.stream().map(Root::pem).toList();
    } finally {
      lock.unlock();
    }
  }

  /** The PEM of the root that signs leaves now. */
  public String activeRootPem() {
    lock.lock();
    try {
      return activeRoot().pem();
    } finally {
      lock.unlock();
    }
  }

  /** {@code spiffe://<trust-domain>/ns/default/dc/<local-dc>/svc/<service>}, a leaf's URI SAN. */
  public String leafServiceUri(String service) {
    requireNonNull(service, "service");
    return "spiffe://" + trustDomain + "/ns/default/dc/" + localDatacenter + "/svc/" + service;
  }

  /**
   * A new root becomes active; the old ones stay in the roots list, inactive. Every leaf issued so
   * far is issued again at once, with a new key and serial, by the new root; roots and leaf queries
   * that wait wake with the new index.
   */
  public void rotateConnectCa() {
    lock.lock();
    try {
      long index = ++raftIndex;
      roots.replaceAll(root -> root.active() ? root.retired(index) : root);
      roots.add(ca.newRoot(clusterId, trustDomain, now(), index));
      rootsIndex = index;
      server.changed(ConnectWait.ROOTS);
      for (String service : List.copyOf(leaves.keySet())) {
        issueLeaf(service, leaves.get(service).createIndex(), index);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A new leaf (new key, new serial, validity from now) for {@code service}, signed by the active
   * root, as the agent's renewal before expiry would make; a service without one gets its first.
   */
  public void renewLeaf(String service) {
    requireNonNull(service, "service");
    lock.lock();
    try {
      long index = ++raftIndex;
      Leaf previous = leaves.get(service);
      issueLeaf(service, previous == null ? index : previous.createIndex(), index);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sets the L4 intention from {@code source} (a service name or {@value #WILDCARD}) to {@code
   * destination} (a service name), replacing one between the same two; it keeps its ID.
   */
  public void intention(String source, String destination, boolean allow) {
    requireNonNull(source, "source");
    requireNonNull(destination, "destination");
    if (source.isEmpty() || destination.isEmpty() || destination.equals(WILDCARD)) {
      throw new IllegalArgumentException(
          source
              + " => "
              + destination
              + " (expected a source name or *, and a destination name: a wildcard destination"
              + " is not modelled)");
    }
    lock.lock();
    try {
      long index = ++raftIndex;
      IntentionKey key = new IntentionKey(source, destination);
      Intention previous = intentions.get(key);
      intentions.put(
          key,
          new Intention(
              previous == null ? UUID.randomUUID().toString() : previous.id(),
              source,
              destination,
              allow,
              previous == null ? index : previous.createIndex(),
              index));
      intentionsIndex = index;
      server.changed(ConnectWait.INTENTIONS);
    } finally {
      lock.unlock();
    }
  }

  /** Removes the intention from {@code source} to {@code destination}, which must exist. */
  public void removeIntention(String source, String destination) {
    lock.lock();
    try {
      IntentionKey key = new IntentionKey(source, destination);
      if (!intentions.containsKey(key)) {
        throw new IllegalArgumentException(
            source
                + " => "
                + destination
                + " (expected one of "
                + intentions.keySet().stream()
                    .map(k -> k.source() + " => " + k.destination())
                    .toList()
                + ")");
      }
      intentions.remove(key);
      intentionsIndex = ++raftIndex;
      server.changed(ConnectWait.INTENTIONS);
    } finally {
      lock.unlock();
    }
  }

  /** Lock held. */
  private Root activeRoot() {
    return roots.stream().filter(Root::active).findFirst().orElseThrow();
  }

  /** Issues a leaf for {@code service} by the active root and wakes its queries. Lock held. */
  private Leaf issueLeaf(String service, long createIndex, long index) {
    Leaf leaf =
        ca.newLeaf(
            activeRoot(),
            service,
            leafServiceUri(service),
            service + ".svc.default." + clusterId.substring(0, 8) + ".consul",
            now(),
            leafTtl,
            createIndex,
            index);
    leaves.put(service, leaf);
    server.changed(new LeafKey(service));
    return leaf;
  }

  /** The service's leaf, issued now if it has none. Lock held. */
  private Leaf leafOf(String service) {
    Leaf leaf = leaves.get(service);
    if (leaf == null) {
      long index = ++raftIndex;
      leaf = issueLeaf(service, index, index);
    }
    return leaf;
  }

  /** Now by the double's clock, to the second, which is all X.509 keeps. */
  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  // ---- levers: faults -------------------------------------------------------------------------

  /**
   * The next {@code times} requests, whatever they ask, answer {@code status} with {@code body}.
   */
  public void failNext(int status, String body, int times) {
    server.failNext(status, body, times);
  }

  /** Delays every answer by {@code delay} (before any blocking); {@link Duration#ZERO} to stop. */
  public void slow(Duration delay) {
    server.slow(delay);
  }

  /**
   * The agent goes down: the port stops listening and open connections, blocking queries included,
   * are cut (clients see an I/O error, not a hang). Catalog state is kept for {@link #start()}.
   */
  public void stop() {
    server.stop();
  }

  /** The agent comes back on the same port, with the catalog it had. */
  public void start() {
    server.start();
  }

  @Override
  public void close() {
    stop();
  }

  // ---- observation ----------------------------------------------------------------------------

  /** How many requests arrived since the double was built (failed and blocking ones included). */
  public long requestCount() {
    return server.requestCount();
  }

  /** The last 10,000 requests, oldest first. */
  public List<ReceivedRequest> requests() {
    return server.requests().stream()
        .map(r -> new ReceivedRequest(r.method(), r.uri(), r.token()))
        .toList();
  }

  // ---- endpoints ------------------------------------------------------------------------------

  private void serve(Request request) throws IOException {
    HttpExchange exchange = request.exchange();
    Map<String, List<String>> params = request.params();
    String path = exchange.getRequestURI().getPath();
    if (path.equals(CONNECT_AUTHORIZE)) {
      authorize(request);
      return;
    }
    boolean connectRead =
        path.equals(CONNECT_ROOTS)
            || path.startsWith(CONNECT_LEAF)
            || path.equals(INTENTIONS_MATCH)
            || path.startsWith(HEALTH_CONNECT);
    if (path.startsWith(AGENT) && !connectRead) {
      agent(exchange, path.substring(AGENT.length()), params, request.token());
      return;
    }
    if (!connectRead && !path.startsWith(HEALTH_SERVICE)) {
      text(exchange, 404, "404 page not found");
      return;
    }
    if (!exchange.getRequestMethod().equals("GET")) {
      text(exchange, 405, "method " + exchange.getRequestMethod() + " not allowed");
      return;
    }
    if (params == null) {
      text(exchange, 400, "Invalid query");
      return;
    }
    if (path.equals(CONNECT_ROOTS)) {
      roots(request, params);
      return;
    }
    if (path.equals(INTENTIONS_MATCH)) {
      intentionsMatch(request, params);
      return;
    }
    String prefix =
        path.startsWith(CONNECT_LEAF)
            ? CONNECT_LEAF
            : path.startsWith(HEALTH_CONNECT) ? HEALTH_CONNECT : HEALTH_SERVICE;
    String service = path.substring(prefix.length());
    if (service.isEmpty()) {
      text(exchange, 400, "Missing service name");
      return;
    }
    if (prefix.equals(CONNECT_LEAF)) {
      leaf(request, service, params);
    } else {
      healthService(request, service, params, prefix.equals(HEALTH_CONNECT));
    }
  }

  // ---- Connect endpoints ----------------------------------------------------------------------

  /**
   * Answers 403 and true when ACLs are on and the token is unknown ({@code ACL not found}) or, if
   * {@code anonymousMayRead} is false, absent ({@code Permission denied}).
   */
  private boolean refusedByAcl(
      HttpExchange exchange, @Nullable String token, boolean anonymousMayRead) throws IOException {
    if (aclTokens == null) {
      return false;
    }
    if (token != null && !aclTokens.contains(token)) {
      text(exchange, 403, "ACL not found");
      return true;
    }
    if (token == null && !anonymousMayRead) {
      text(exchange, 403, "Permission denied");
      return true;
    }
    return false;
  }

  private void roots(Request request, Map<String, List<String>> params) throws IOException {
    HttpExchange exchange = request.exchange();
    Blocking blocking = server.blocking(exchange, params);
    if (blocking == null || refusedByAcl(exchange, request.token(), true)) {
      return;
    }
    server.answerBlocking(
        request, blocking, ConnectWait.ROOTS, () -> Math.max(1, rootsIndex), this::rootsJson);
  }

  private String rootsJson() {
    StringBuilder json = new StringBuilder("{");
    field(json, "ActiveRootID", activeRoot().id()).append(',');
    field(json, "TrustDomain", trustDomain).append(",\"Roots\":[");
    for (int i = 0; i < roots.size(); i++) {
      Root root = roots.get(i);
      json.append(i == 0 ? "{" : ",{");
      field(json, "ID", root.id()).append(',');
      field(json, "Name", ConsulConnectCa.ROOT_NAME).append(',');
      json.append("\"SerialNumber\":").append(root.serial()).append(',');
      field(json, "SigningKeyID", root.signingKeyId()).append(',');
      field(json, "ExternalTrustDomain", clusterId).append(',');
      field(json, "NotBefore", root.notBefore().toString()).append(',');
      field(json, "NotAfter", root.notAfter().toString()).append(',');
      field(json, "RootCert", root.pem());
      json.append(",\"IntermediateCerts\":null,\"Active\":").append(root.active());
      json.append(",\"PrivateKeyType\":\"ec\",\"PrivateKeyBits\":256");
      json.append(",\"CreateIndex\":").append(root.createIndex());
      json.append(",\"ModifyIndex\":").append(root.modifyIndex()).append('}');
    }
    return json.append("]}").toString();
  }

  private void leaf(Request request, String service, Map<String, List<String>> params)
      throws IOException {
    HttpExchange exchange = request.exchange();
    Blocking blocking = server.blocking(exchange, params);
    if (blocking == null || refusedByAcl(exchange, request.token(), false)) {
      return;
    }
    lock.lock();
    try {
      leafOf(service);
    } finally {
      lock.unlock();
    }
    server.answerBlocking(
        request,
        blocking,
        new LeafKey(service),
        () -> Math.max(1, leaves.get(service).modifyIndex()),
        () -> leafJson(leaves.get(service)));
  }

  private static String leafJson(Leaf leaf) {
    StringBuilder json = new StringBuilder("{");
    field(json, "SerialNumber", leaf.serial()).append(',');
    field(json, "CertPEM", leaf.certPem()).append(',');
    field(json, "PrivateKeyPEM", leaf.privateKeyPem()).append(',');
    field(json, "Service", leaf.service()).append(',');
    field(json, "ServiceURI", leaf.serviceUri()).append(',');
    field(json, "ValidAfter", leaf.validAfter().toString()).append(',');
    field(json, "ValidBefore", leaf.validBefore().toString());
    json.append(",\"CreateIndex\":").append(leaf.createIndex());
    json.append(",\"ModifyIndex\":").append(leaf.modifyIndex());
    return json.append('}').toString();
  }

  private void authorize(Request request) throws IOException {
    HttpExchange exchange = request.exchange();
    if (!exchange.getRequestMethod().equals("POST")) {
      text(exchange, 405, "method " + exchange.getRequestMethod() + " not allowed");
      return;
    }
    if (refusedByAcl(exchange, request.token(), false)) {
      return;
    }
    String target;
    String clientUri;
    try {
      Map<String, Object> body =
          JsonReader.object(
              JsonReader.parse(
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)),
              "body");
      target = JsonReader.string(body, "Target", "");
      clientUri = JsonReader.string(body, "ClientCertURI", "");
    } catch (IllegalArgumentException e) {
      text(exchange, 400, "Request decode failed: " + e.getMessage());
      return;
    }
    if (target.isEmpty()) {
      text(exchange, 400, "Target service must be specified");
      return;
    }
    Matcher uri = SPIFFE_SERVICE.matcher(clientUri);
    if (!uri.matches()) {
      text(
          exchange,
          400,
          "ClientCertURI not a valid Connect service identifier: " + quote(clientUri));
      return;
    }
    boolean authorized;
    String reason;
    if (!uri.group(1).equalsIgnoreCase(trustDomain)) {
      authorized = false;
      reason = FOREIGN_TRUST_DOMAIN_REASON;
    } else {
      String source = uri.group(4);
      lock.lock();
      try {
        Intention matched = intentions.get(new IntentionKey(source, target));
        if (matched == null) {
          matched = intentions.get(new IntentionKey(WILDCARD, target));
        }
        authorized = matched == null || matched.allow();
        reason = matched == null ? DEFAULT_ALLOW_REASON : matchedReason(matched);
      } finally {
        lock.unlock();
      }
    }
    StringBuilder json = new StringBuilder("{\"Authorized\":").append(authorized).append(',');
    field(json, "Reason", reason).append('}');
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    send(exchange, 200, json.toString());
  }

  /** Our wording of the reason an intention decided: {@code Matched intention a => b (deny)}. */
  static String matchedReason(String source, String destination, boolean allow) {
    return "Matched intention "
        + source
        + " => "
        + destination
        + " ("
        + (allow ? "allow" : "deny")
        + ")";
  }

  private static String matchedReason(Intention intention) {
    return matchedReason(intention.source(), intention.destination(), intention.allow());
  }

  private void intentionsMatch(Request request, Map<String, List<String>> params)
      throws IOException {
    HttpExchange exchange = request.exchange();
    String by = first(params, "by");
    if (!by.equals("source") && !by.equals("destination")) {
      text(exchange, 400, "Query parameter by must be source or destination");
      return;
    }
    List<String> names =
        params.getOrDefault("name", List.of()).stream().filter(n -> !n.isEmpty()).toList();
    if (names.isEmpty()) {
      text(exchange, 400, "Query parameter name is required");
      return;
    }
    Blocking blocking = server.blocking(exchange, params);
    if (blocking == null || refusedByAcl(exchange, request.token(), false)) {
      return;
    }
    boolean bySource = by.equals("source");
    server.answerBlocking(
        request,
        blocking,
        ConnectWait.INTENTIONS,
        () -> Math.max(1, intentionsIndex),
        () -> intentionsJson(bySource, names));
  }

  private String intentionsJson(boolean bySource, List<String> names) {
    StringBuilder json = new StringBuilder("{");
    Set<String> written = new HashSet<>();
    for (String name : names) {
      if (!written.add(name)) {
        continue;
      }
      List<Intention> matching = new ArrayList<>();
      for (Intention intention : intentions.values()) {
        boolean matches =
            bySource
                ? intention.source().equals(name) || intention.source().equals(WILDCARD)
                : intention.destination().equals(name);
        if (matches) {
          matching.add(intention);
        }
      }
      matching.sort(
          Comparator.comparingInt(Intention::precedence)
              .reversed()
              .thenComparing(Intention::source)
              .thenComparing(Intention::destination));
      json.append(json.length() > 1 ? "," : "").append(quote(name)).append(":[");
      for (int i = 0; i < matching.size(); i++) {
        Intention intention = matching.get(i);
        json.append(i == 0 ? "{" : ",{");
        field(json, "ID", intention.id()).append(',');
        field(json, "SourceNS", "default").append(',');
        field(json, "SourceName", intention.source()).append(',');
        field(json, "DestinationNS", "default").append(',');
        field(json, "DestinationName", intention.destination()).append(',');
        field(json, "SourceType", "consul").append(',');
        field(json, "Action", intention.action());
        json.append(",\"Precedence\":").append(intention.precedence());
        json.append(",\"CreateIndex\":").append(intention.createIndex());
        json.append(",\"ModifyIndex\":").append(intention.modifyIndex()).append('}');
      }
      json.append(']');
    }
    return json.append('}').toString();
  }

  // ---- agent write endpoints ------------------------------------------------------------------

  /**
   * {@code PUT /v1/agent/...}: the writes a test makes to its local agent. Everything lands in the
   * local datacenter on {@link #AGENT_NODE}.
   */
  private void agent(
      HttpExchange exchange,
      String endpoint,
      @Nullable Map<String, List<String>> params,
      @Nullable String token)
      throws IOException {
    Matcher check = AGENT_CHECK.matcher(endpoint);
    boolean known =
        endpoint.equals("service/register")
            || endpoint.startsWith("service/deregister/")
            || endpoint.startsWith("service/maintenance/")
            || check.matches();
    if (!known) {
      text(exchange, 404, "404 page not found");
      return;
    }
    if (!exchange.getRequestMethod().equals("PUT")) {
      text(exchange, 405, "method " + exchange.getRequestMethod() + " not allowed");
      return;
    }
    if (params == null) {
      text(exchange, 400, "Invalid query");
      return;
    }
    if (aclTokens != null) {
      // Token resolution comes first; the anonymous token resolves but may not write.
      if (token != null && !aclTokens.contains(token)) {
        text(exchange, 403, "ACL not found");
        return;
      }
      if (token == null) {
        text(exchange, 403, "Permission denied");
        return;
      }
    }
    byte[] body = exchange.getRequestBody().readAllBytes();
    if (endpoint.equals("service/register")) {
      registerOverHttp(exchange, new String(body, StandardCharsets.UTF_8));
    } else if (endpoint.startsWith("service/deregister/")) {
      deregisterOverHttp(exchange, endpoint.substring("service/deregister/".length()));
    } else if (endpoint.startsWith("service/maintenance/")) {
      maintenanceOverHttp(exchange, endpoint.substring("service/maintenance/".length()), params);
    } else {
      checkOverHttp(exchange, check.group(1), check.group(2), body);
    }
  }

  private static final Pattern AGENT_CHECK = Pattern.compile("check/(pass|warn|fail|update)/(.+)");

  private void registerOverHttp(HttpExchange exchange, String body) throws IOException {
    Instance instance;
    Weights weights;
    List<ServiceCheck> checks;
    try {
      Map<String, Object> definition = JsonReader.object(JsonReader.parse(body), "body");
      String name = JsonReader.string(definition, "Name", "");
      if (name.isEmpty()) {
        text(exchange, 400, "Missing service name");
        return;
      }
      String id = JsonReader.string(definition, "ID", name);
      String kind = JsonReader.string(definition, "Kind", "");
      Map<String, Object> proxy = JsonReader.optionalObject(definition, "Proxy");
      String destination =
          proxy == null ? "" : JsonReader.string(proxy, "DestinationServiceName", "");
      Map<String, Object> connect = JsonReader.optionalObject(definition, "Connect");
      boolean connectNative = false;
      if (connect != null) {
        Object rawNative = JsonReader.get(connect, "Native");
        if (rawNative != null && !(rawNative instanceof Boolean)) {
          throw new IllegalArgumentException("Connect.Native: expected a boolean");
        }
        connectNative = Boolean.TRUE.equals(rawNative);
        if (JsonReader.get(connect, "SidecarService") != null) {
          text(
              exchange,
              400,
              "Connect.SidecarService is not modelled by the double: register"
                  + " the proxy on its own with Kind connect-proxy");
          return;
        }
      }
      if (!kind.isEmpty() && !kind.equals(CONNECT_PROXY)) {
        text(exchange, 400, "Kind " + quote(kind) + " is not modelled by the double");
        return;
      }
      if (kind.equals(CONNECT_PROXY) && destination.isEmpty()) {
        text(exchange, 400, "Proxy.DestinationServiceName must be set for a connect-proxy");
        return;
      }
      if (kind.isEmpty() && !destination.isEmpty()) {
        destination = "";
      }
      if (kind.equals(CONNECT_PROXY) && connectNative) {
        text(exchange, 400, "A connect-proxy cannot be Connect.Native");
        return;
      }
      instance =
          new Instance(
              AGENT_NODE,
              AGENT_NODE_ADDRESS,
              Map.of(),
              id,
              name,
              JsonReader.string(definition, "Address", ""),
              (int) JsonReader.number(definition, "Port", 0),
              JsonReader.strings(definition, "Tags"),
              JsonReader.stringMap(definition, "Meta"),
              CheckStatus.PASSING,
              kind,
              destination,
              connectNative);
      Map<String, Object> rawWeights = JsonReader.optionalObject(definition, "Weights");
      weights =
          rawWeights == null
              ? Weights.DEFAULT
              : new Weights(
                  (int) JsonReader.number(rawWeights, "Passing", 1),
                  (int) JsonReader.number(rawWeights, "Warning", 1));
      checks = checksOf(definition, id, name);
    } catch (IllegalArgumentException e) {
      text(exchange, 400, "Request decode failed: " + e.getMessage());
      return;
    }
    lock.lock();
    try {
      put(localDatacenter, instance, weights, checks);
    } finally {
      lock.unlock();
    }
    send(exchange, 200, "");
  }

  /**
   * {@code Check} and {@code Checks} together, in that order. A check without an ID is named {@code
   * service:<id>} when it is the only one, else {@code service:<id>:<position from 1>}; only TTL
   * checks are modelled (the double runs no probes), starting {@code critical} unless {@code
   * Status} says otherwise, as a new check does in Consul.
   */
  private static List<ServiceCheck> checksOf(
      Map<String, Object> definition, String serviceId, String service) {
    List<Map<String, Object>> definitions = new ArrayList<>();
    Map<String, Object> single = JsonReader.optionalObject(definition, "Check");
    if (single != null) {
      definitions.add(single);
    }
    Object many = JsonReader.get(definition, "Checks");
    if (many != null) {
      if (!(many instanceof List<?> list)) {
        throw new IllegalArgumentException("Checks: expected an array");
      }
      for (Object each : list) {
        definitions.add(JsonReader.object(each, "Checks[]"));
      }
    }
    List<ServiceCheck> checks = new ArrayList<>();
    for (int i = 0; i < definitions.size(); i++) {
      Map<String, Object> def = definitions.get(i);
      String generated = "service:" + serviceId + (definitions.size() == 1 ? "" : ":" + (i + 1));
      String id = JsonReader.string(def, "CheckID", JsonReader.string(def, "ID", generated));
      String ttl = JsonReader.string(def, "TTL", "");
      Duration parsedTtl = GoDuration.parse(ttl);
      if (parsedTtl == null || parsedTtl.isNegative() || parsedTtl.isZero()) {
        throw new IllegalArgumentException(
            "check " + id + ": TTL " + quote(ttl) + " (expected a TTL check with a duration > 0)");
      }
      String rawStatus = JsonReader.string(def, "Status", CheckStatus.CRITICAL.json());
      CheckStatus status = checkStatus(rawStatus);
      if (status == null) {
        throw new IllegalArgumentException("check " + id + ": invalid Status " + quote(rawStatus));
      }
      String name = JsonReader.string(def, "Name", "Service '" + service + "' check");
      checks.add(new ServiceCheck(id, name, status));
    }
    return checks;
  }

  private void deregisterOverHttp(HttpExchange exchange, String serviceId) throws IOException {
    lock.lock();
    try {
      // Documented: a service the agent does not have is no action, and no error.
      if (instancesOf(localDatacenter).containsKey(serviceId)) {
        deregister(localDatacenter, serviceId);
      }
    } finally {
      lock.unlock();
    }
    send(exchange, 200, "");
  }

  private void maintenanceOverHttp(
      HttpExchange exchange, String serviceId, Map<String, List<String>> params)
      throws IOException {
    if (!params.containsKey("enable")) {
      text(exchange, 400, "Missing value for enable");
      return;
    }
    Boolean enable = goBool(first(params, "enable"));
    if (enable == null) {
      text(exchange, 400, "Invalid value for enable");
      return;
    }
    String reason = first(params, "reason");
    boolean found;
    lock.lock();
    try {
      found = instancesOf(localDatacenter).containsKey(serviceId);
      if (found) {
        setServiceMaintenance(
            localDatacenter,
            serviceId,
            enable,
            reason.isEmpty() ? DEFAULT_MAINTENANCE_REASON : reason);
      }
    } finally {
      lock.unlock();
    }
    if (found) {
      send(exchange, 200, "");
    } else {
      // The pages do not say; a test that names the wrong service should hear about it.
      text(exchange, 404, "Unknown service ID " + quote(serviceId));
    }
  }

  private void checkOverHttp(HttpExchange exchange, String verb, String checkId, byte[] body)
      throws IOException {
    CheckStatus status =
        switch (verb) {
          case "pass" -> CheckStatus.PASSING;
          case "warn" -> CheckStatus.WARNING;
          case "fail" -> CheckStatus.CRITICAL;
          default -> null;
        };
    if (status == null) {
      String rawStatus;
      try {
        Map<String, Object> update =
            JsonReader.object(JsonReader.parse(new String(body, StandardCharsets.UTF_8)), "body");
        rawStatus = JsonReader.string(update, "Status", "");
      } catch (IllegalArgumentException e) {
        text(exchange, 400, "Request decode failed: " + e.getMessage());
        return;
      }
      status = checkStatus(rawStatus);
      if (status == null) {
        text(exchange, 400, "Invalid check status: " + quote(rawStatus));
        return;
      }
    }
    boolean found = false;
    lock.lock();
    try {
      for (Stored stored : List.copyOf(instancesOf(localDatacenter).values())) {
        if (stored.checks().stream().anyMatch(c -> c.id().equals(checkId))) {
          updateCheck(localDatacenter, stored, checkId, status);
          found = true;
          break;
        }
      }
    } finally {
      lock.unlock();
    }
    if (found) {
      send(exchange, 200, "");
    } else {
      // The pages do not say; a test that names the wrong check should hear about it.
      text(exchange, 404, "Unknown check ID " + quote(checkId));
    }
  }

  private static @Nullable CheckStatus checkStatus(String json) {
    for (CheckStatus status : CheckStatus.values()) {
      if (status.json().equals(json)) {
        return status;
      }
    }
    return null;
  }

  private void healthService(
      Request request, String service, Map<String, List<String>> params, boolean connect)
      throws IOException {
    HttpExchange exchange = request.exchange();
    String token = request.token();
    Blocking blocking = server.blocking(exchange, params);
    if (blocking == null) {
      return;
    }
    String passing = params.containsKey("passing") ? first(params, "passing") : "false";
    Boolean passingOnly = goBool(passing.isEmpty() ? "true" : passing);
    if (passingOnly == null) {
      text(exchange, 400, "Invalid value for ?passing");
      return;
    }
    String dc = first(params, "dc");
    if (dc.isEmpty()) {
      dc = localDatacenter;
    }
    if (!datacenters.contains(dc)) {
      text(exchange, 500, "No path to datacenter");
      return;
    }
    if (aclTokens != null && token != null && !aclTokens.contains(token)) {
      text(exchange, 403, "ACL not found");
      return;
    }
    boolean defaultTenancy =
        isDefault(first(params, "ns")) && isDefault(first(params, "partition"));
    Query query =
        new Query(
            dc,
            service,
            params.getOrDefault("tag", List.of()),
            passingOnly,
            defaultTenancy,
            token,
            connect);
    // A service the datacenter has seen moves its index only through touched(), which wakes its
    // key; one it has never seen has the datacenter's index, which any change moves.
    // The same holds for a service's Connect set under its ConnectKey.
    ServiceKey key = new ServiceKey(dc, service);
    ConnectKey connectKey = new ConnectKey(dc, service);
    Object waitKey;
    lock.lock();
    try {
      if (connect) {
        waitKey = connectIndexes.containsKey(connectKey) ? connectKey : null;
      } else {
        waitKey = serviceIndexes.containsKey(key) ? key : null;
      }
    } finally {
      lock.unlock();
    }
    server.answerBlocking(
        request,
        blocking,
        waitKey,
        () ->
            connect
                ? connectIndexOf(query.dc(), query.service())
                : indexOf(query.dc(), query.service()),
        () -> entriesJson(query));
  }

  // ---- catalog (all called with lock held) ----------------------------------------------------

  private String entriesJson(Query query) {
    boolean anonymousDenied = aclTokens != null && query.token() == null;
    if (anonymousDenied || !query.defaultTenancy()) {
      return "[]";
    }
    Set<String> nodesDown = nodesInMaintenance.getOrDefault(query.dc(), Set.of());
    List<Stored> matching = new ArrayList<>();
    for (Stored stored : instancesByDc.getOrDefault(query.dc(), Map.of()).values()) {
      Instance instance = stored.instance();
      boolean listed =
          query.connect()
              ? query.service().equals(instance.connectTarget())
              : instance.service().equals(query.service());
      if (!listed || !instance.tags().containsAll(query.tags())) {
        continue;
      }
      boolean allPassing =
          stored.allChecksPassing()
              && !stored.inMaintenance()
              && !nodesDown.contains(instance.node());
      if (query.passingOnly() && !allPassing) {
        continue;
      }
      matching.add(stored);
    }
    matching.sort(
        Comparator.comparing((Stored s) -> s.instance().node())
            .thenComparing(s -> s.instance().serviceId()));
    StringBuilder json = new StringBuilder("[");
    for (Stored stored : matching) {
      if (json.length() > 1) {
        json.append(',');
      }
      entry(json, query.dc(), stored, nodesDown.contains(stored.instance().node()));
    }
    return json.append(']').toString();
  }

  private static void entry(StringBuilder json, String dc, Stored stored, boolean nodeDown) {
    Instance in = stored.instance();
    json.append("{\"Node\":{");
    field(json, "Node", in.node()).append(',');
    field(json, "Address", in.nodeAddress()).append(',');
    field(json, "Datacenter", dc).append(",\"Meta\":");
    map(json, in.nodeMeta());
    json.append("},\"Service\":{");
    field(json, "ID", in.serviceId()).append(',');
    field(json, "Service", in.service()).append(",\"Tags\":[");
    for (int i = 0; i < in.tags().size(); i++) {
      json.append(i == 0 ? "" : ",").append(quote(in.tags().get(i)));
    }
    json.append("],");
    field(json, "Address", in.serviceAddress()).append(",\"Meta\":");
    map(json, in.serviceMeta());
    json.append(",\"Port\":").append(in.port());
    json.append(",\"Weights\":{\"Passing\":").append(stored.weights().passing());
    json.append(",\"Warning\":").append(stored.weights().warning());
    json.append("},\"EnableTagOverride\":false");
    if (!in.kind().isEmpty()) {
      json.append(',');
      field(json, "Kind", in.kind()).append(",\"Proxy\":{");
      field(json, "DestinationServiceName", in.proxyDestination()).append('}');
    }
    if (in.connectNative()) {
      json.append(",\"Connect\":{\"Native\":true}");
    }
    json.append(",\"CreateIndex\":").append(stored.createIndex());
    json.append(",\"ModifyIndex\":").append(stored.modifyIndex());
    json.append("},\"Checks\":[");
    check(json, in, "serfHealth", "Serf Health Status", CheckStatus.PASSING, "", false);
    if (nodeDown) {
      json.append(',');
      check(
          json, in, "_node_maintenance", "Node Maintenance Mode", CheckStatus.CRITICAL, "", false);
    }
    for (ServiceCheck own : stored.checks()) {
      json.append(',');
      check(json, in, own.id(), own.name(), own.status(), "", true);
    }
    if (stored.inMaintenance()) {
      json.append(',');
      check(
          json,
          in,
          "_service_maintenance:" + in.serviceId(),
          "Service Maintenance Mode",
          CheckStatus.CRITICAL,
          stored.maintenanceReason(),
          true);
    }
    json.append("]}");
  }

  private static void check(
      StringBuilder json,
      Instance in,
      String id,
      String name,
      CheckStatus status,
      String notes,
      boolean ofService) {
    json.append('{');
    field(json, "Node", in.node()).append(',');
    field(json, "CheckID", id).append(',');
    field(json, "Name", name).append(',');
    field(json, "Status", status.json()).append(',');
    field(json, "Notes", notes).append(',');
    field(json, "ServiceID", ofService ? in.serviceId() : "").append(',');
    field(json, "ServiceName", ofService ? in.service() : "").append('}');
  }

  private static void map(StringBuilder json, Map<String, String> values) {
    json.append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
      json.append(first ? "" : ",").append(quote(e.getKey())).append(':');
      json.append(quote(e.getValue()));
      first = false;
    }
    json.append('}');
  }

  private Map<String, Stored> instancesOf(String dc) {
    requireNonNull(dc, "dc");
    if (!datacenters.contains(dc)) {
      throw new IllegalArgumentException(
          "dc: " + dc + " (expected one of " + new TreeSet<>(datacenters) + ")");
    }
    return instancesByDc.computeIfAbsent(dc, d -> new LinkedHashMap<>());
  }

  private Stored stored(String dc, String serviceId) {
    requireNonNull(serviceId, "serviceId");
    Stored stored = instancesOf(dc).get(serviceId);
    if (stored == null) {
      throw new IllegalArgumentException(
          "serviceId: "
              + serviceId
              + " (expected one registered in "
              + dc
              + ": "
              + new TreeMap<>(instancesOf(dc)).keySet()
              + ")");
    }
    return stored;
  }

  private void setServiceMaintenance(String dc, String serviceId, boolean on, String reason) {
    lock.lock();
    try {
      Stored current = stored(dc, serviceId);
      if (current.inMaintenance() == on) {
        return;
      }
      long index = nextIndex(dc);
      instancesOf(dc).put(serviceId, current.withMaintenance(on, on ? reason : "", index));
      touched(dc, current.instance(), index);
    } finally {
      lock.unlock();
    }
  }

  private void setNodeMaintenance(String dc, String node, boolean on) {
    requireNonNull(node, "node");
    lock.lock();
    try {
      Map<String, Stored> instances = instancesOf(dc);
      Set<String> down = nodesInMaintenance.computeIfAbsent(dc, d -> new HashSet<>());
      if (on ? !down.add(node) : !down.remove(node)) {
        return;
      }
      long index = nextIndex(dc);
      Set<Instance> onNode = new HashSet<>();
      for (Stored stored : instances.values()) {
        if (stored.instance().node().equals(node)) {
          onNode.add(stored.instance());
        }
      }
      for (Instance instance : onNode) {
        touched(dc, instance, index);
      }
    } finally {
      lock.unlock();
    }
  }

  private long nextIndex(String dc) {
    raftIndex++;
    datacenterIndexes.put(dc, raftIndex);
    return raftIndex;
  }

  private void touched(String dc, String service, long index) {
    ServiceKey key = new ServiceKey(dc, service);
    serviceIndexes.put(key, index);
    server.changed(key);
  }

  /** A change to an instance: its service, and the Connect set it belongs to, if any. */
  private void touched(String dc, Instance instance, long index) {
    touched(dc, instance.service(), index);
    String target = instance.connectTarget();
    if (target != null) {
      touchedConnect(dc, target, index);
    }
  }

  private void touchedConnect(String dc, String service, long index) {
    ConnectKey key = new ConnectKey(dc, service);
    connectIndexes.put(key, index);
    server.changed(key);
  }

  private long connectIndexOf(String dc, String service) {
    Long index = connectIndexes.get(new ConnectKey(dc, service));
    if (index == null) {
      index = datacenterIndexes.getOrDefault(dc, 1L);
    }
    return Math.max(1, index);
  }

  private long indexOf(String dc, String service) {
    Long index = serviceIndexes.get(new ServiceKey(dc, service));
    if (index == null) {
      index = datacenterIndexes.getOrDefault(dc, 1L);
    }
    return Math.max(1, index);
  }

  // ---- HTTP details ---------------------------------------------------------------------------

  private static boolean isDefault(String tenancy) {
    return tenancy.isEmpty() || tenancy.equals("default");
  }

  /** Go's strconv.ParseBool; null when it would fail. */
  private static @Nullable Boolean goBool(String value) {
    return switch (value) {
      case "1", "t", "T", "true", "TRUE", "True" -> Boolean.TRUE;
      case "0", "f", "F", "false", "FALSE", "False" -> Boolean.FALSE;
      default -> null;
    };
  }

  /**
   * Reads the JSON of a request body: objects as maps, arrays as lists, strings, numbers as double,
   * booleans and null. Keys are looked up as the agent reads them: {@code ServiceID}, {@code
   * service_id} and {@code serviceid} are the same key. Malformed input is an {@link
   * IllegalArgumentException} whose message says where.
   */
  static final class JsonReader {
    private final String text;
    private int at;

    private JsonReader(String text) {
      this.text = text;
    }

    static @Nullable Object parse(String text) {
      JsonReader reader = new JsonReader(text);
      Object value = reader.value();
      reader.space();
      if (reader.at != text.length()) {
        throw reader.error("unexpected content after the value");
      }
      return value;
    }

    static @Nullable Object get(Map<String, Object> object, String key) {
      String wanted = normalized(key);
      for (Map.Entry<String, Object> e : object.entrySet()) {
        if (normalized(e.getKey()).equals(wanted)) {
          return e.getValue();
        }
      }
      return null;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(@Nullable Object value, String what) {
      if (!(value instanceof Map)) {
        throw new IllegalArgumentException(what + ": expected an object");
      }
      return (Map<String, Object>) value;
    }

    static @Nullable Map<String, Object> optionalObject(Map<String, Object> object, String key) {
      Object value = get(object, key);
      return value == null ? null : object(value, key);
    }

    static String string(Map<String, Object> object, String key, String absent) {
      Object value = get(object, key);
      if (value == null) {
        return absent;
      }
      if (!(value instanceof String s)) {
        throw new IllegalArgumentException(key + ": expected a string");
      }
      return s;
    }

    static long number(Map<String, Object> object, String key, long absent) {
      Object value = get(object, key);
      if (value == null) {
        return absent;
      }
      if (!(value instanceof Double d) || d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(key + ": " + value + " (expected an integer)");
      }
      return d.longValue();
    }

    static List<String> strings(Map<String, Object> object, String key) {
      Object value = get(object, key);
      if (value == null) {
        return List.of();
      }
      if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
        throw new IllegalArgumentException(key + ": expected an array of strings");
      }
      return list.stream().map(String.class::cast).toList();
    }

    static Map<String, String> stringMap(Map<String, Object> object, String key) {
      Map<String, Object> value = optionalObject(object, key);
      if (value == null) {
        return Map.of();
      }
      Map<String, String> strings = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : value.entrySet()) {
        if (!(e.getValue() instanceof String s)) {
          throw new IllegalArgumentException(key + "." + e.getKey() + ": expected a string");
        }
        strings.put(e.getKey(), s);
      }
      return strings;
    }

    private static String normalized(String key) {
      return key.replace("_", "").toLowerCase(java.util.Locale.ROOT);
    }

    private @Nullable Object value() {
      space();
      if (at >= text.length()) {
        throw error("unexpected end of input");
      }
      char c = text.charAt(at);
      if (c == '{') {
        return objectValue();
      }
      if (c == '[') {
        return arrayValue();
      }
      if (c == '"') {
        return stringValue();
      }
      if (text.startsWith("true", at)) {
        at += 4;
        return Boolean.TRUE;
      }
      if (text.startsWith("false", at)) {
        at += 5;
        return Boolean.FALSE;
      }
      if (text.startsWith("null", at)) {
        at += 4;
        return null;
      }
      Matcher number = NUMBER.matcher(text).region(at, text.length());
      if (number.lookingAt()) {
        at = number.end();
        return Double.parseDouble(number.group());
      }
      throw error("unexpected character " + quote(String.valueOf(c)));
    }

    private static final Pattern NUMBER =
        Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?");

    private Map<String, Object> objectValue() {
      Map<String, Object> object = new LinkedHashMap<>();
      at++;
      space();
      if (peek() == '}') {
        at++;
        return object;
      }
      while (true) {
        space();
        if (peek() != '"') {
          throw error("expected a key");
        }
        String key = stringValue();
        space();
        expect(':');
        object.put(key, value());
        space();
        if (peek() == ',') {
          at++;
        } else {
          expect('}');
          return object;
        }
      }
    }

    private List<Object> arrayValue() {
      List<Object> array = new ArrayList<>();
      at++;
      space();
      if (peek() == ']') {
        at++;
        return array;
      }
      while (true) {
        array.add(value());
        space();
        if (peek() == ',') {
          at++;
        } else {
          expect(']');
          return array;
        }
      }
    }

    private String stringValue() {
      at++;
      StringBuilder out = new StringBuilder();
      while (true) {
        if (at >= text.length()) {
          throw error("unterminated string");
        }
        char c = text.charAt(at++);
        if (c == '"') {
          return out.toString();
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        if (at >= text.length()) {
          throw error("unterminated escape");
        }
        char e = text.charAt(at++);
        switch (e) {
          case '"', '\\', '/' -> out.append(e);
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            if (at + 4 > text.length()) {
              throw error("short unicode escape");
            }
            try {
              out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad unicode escape");
            }
            at += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    private char peek() {
      return at < text.length() ? text.charAt(at) : '\0';
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      at++;
    }

    private void space() {
      while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
        at++;
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at offset " + at);
    }
  }

  @Override
  public String toString() {
    return "ConsulApiDouble[" + address() + ", local " + localDatacenter + "]";
  }
}
