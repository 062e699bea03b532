package io.meshgate.xds.status;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.Client;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.PrefixView;
import io.meshgate.xds.serve.NodeRejection;
import io.meshgate.xds.serve.PeerRejections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the other replicas published under {@code /meshgate/v1/rejections/}, held in memory as a
 * {@link RejectionIndex} that streams read without I/O. A {@link PrefixView} of that prefix: listed
 * at one revision R in pages — each value may be up to 512 KiB and together they could pass gRPC's
 * 4 MiB limit on a response — and watched from R + 1; a watch that fails, ends or was compacted
 * makes it list again (backing off while etcd is away). Its own replica's key is left out. A value
 * that does not decode counts as no rejections of that replica.
 *
 * <p>Threading: the view's one thread decodes and builds the index; {@link #find} reads the latest
 * index from any thread.
 */
public final class RejectionsView implements PeerRejections, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RejectionsView.class);
  private static final String PREFIX = Keyspace.rejectionsPrefix();

  private final String replicaId;
  private final PrefixView<List<NodeRejection>> view;

  // Confined to the view's thread.
  private SortedMap<String, List<NodeRejection>> indexed = new TreeMap<>();

  private volatile RejectionIndex index = RejectionIndex.EMPTY;

  private RejectionsView(Client etcd, String replicaId) {
    this.replicaId = requireNonNull(replicaId, "replicaId");
    // The view's thread sees the fields set above: open() hands it its first task after them.
    this.view =
        PrefixView.open(
            requireNonNull(etcd, "etcd"),
            PREFIX,
            "rejections-view",
            log,
            this::decode,
            this::onListing);
  }

  /**
   * Starts reading and returns at once; until the first list, it knows of no rejection. Does not
   * own the client: close the view first.
   */
  public static RejectionsView open(Client etcd, String replicaId) {
    return new RejectionsView(etcd, replicaId);
  }

  @Override
  public Optional<Found> find(String group, String nodeId, String typeUrl) {
    return index.find(group, nodeId, typeUrl);
  }

  /** The index streams read now. */
  public RejectionIndex index() {
    return index;
  }

  @Override
  public void close() {
    view.close();
  }

  // ---- on the view's thread

  private @Nullable List<NodeRejection> decode(String key, byte[] value, long modRevision) {
    String replica = key.substring(PREFIX.length());
    if (replica.equals(replicaId)) {
      return null; // its own: this replica remembers them
    }
    try {
      return PublishedRejections.decode(new String(value, UTF_8));
    } catch (IllegalArgumentException e) {
      log.warn(
          "replica {}'s rejections at revision {} do not decode ({}); none of them are inherited",
          replica,
          modRevision,
          e.getMessage());
      return List.of();
    }
  }

  private void onListing(PrefixView.Listing<List<NodeRejection>> listing) {
    if (listing.values().equals(indexed)) {
      return; // a write of its own replica's key: nothing to merge again
    }
    Map<String, List<NodeRejection>> byReplica = new TreeMap<>();
    listing
        .values()
        .forEach((key, rejections) -> byReplica.put(key.substring(PREFIX.length()), rejections));
    index = RejectionIndex.of(replicaId, byReplica);
    indexed = listing.values();
  }
}
