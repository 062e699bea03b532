package io.meshgate.config.store;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.EndpointSourceStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Point reads of stored resources, statuses and conditions, for the CLI and tests. */
public final class StoreReader {
  private final Client client;
  private final Duration timeout;

  public StoreReader(Client client, Duration timeout) {
    this.client = requireNonNull(client, "client");
    this.timeout = requireNonNull(timeout, "timeout");
  }

  public Optional<Resource> resource(ResourceKey key) {
    return first(Keyspace.resource(key))
        .map(kv -> StoredValues.resource(kv.getValue().getBytes(), kv.getModRevision()));
  }

  public Optional<ApplierStatus> status(ResourceKey key) {
    return first(Keyspace.status(key)).map(kv -> StoredValues.status(kv.getValue().getBytes()));
  }

  /** The serving leader's conditions (ResolvedRefs, Programmed); empty until it writes them. */
  public List<Condition> conditions(ResourceKey key) {
    return servingStatus(key, "conditions", Condition.class);
  }

  /**
   * What each outside source of a Backend holds, as the serving leader wrote it beside the
   * conditions; empty for other kinds and until it writes them.
   */
  public List<EndpointSourceStatus> endpointSources(ResourceKey key) {
    return servingStatus(key, "endpoints", EndpointSourceStatus.class);
  }

  private <T> List<T> servingStatus(ResourceKey key, String field, Class<T> type) {
    return first(Keyspace.conditions(key))
        .map(
            kv -> {
              try {
                JsonNode node = Mappers.json().readTree(kv.getValue().getBytes());
                List<T> items = new ArrayList<>();
                for (JsonNode item : node.path(field)) {
                  items.add(Mappers.json().treeToValue(item, type));
                }
                return items;
              } catch (IOException e) {
                throw new UncheckedIOException(
                    "unreadable " + field + " at " + Keyspace.conditions(key), e);
              }
            })
        .orElse(List.of());
  }

  /** Stored resources of a kind, in one namespace or (null) all, sorted by key. */
  public List<Resource> list(Kind kind, String namespace) {
    String prefix =
        namespace == null
            ? Keyspace.resourcesPrefix(kind)
            : Keyspace.resourcesPrefix(kind, namespace);
    return listing(PagedRead.all(client.getKVClient(), prefix, timeout)).kvs().stream()
        .map(kv -> StoredValues.resource(kv.getValue().getBytes(), kv.getModRevision()))
        .sorted(Comparator.comparing(Resource::key))
        .toList();
  }

  /** Statuses of resources of a kind (stored or not, e.g. rejected creations and deletions). */
  public List<ResourceKey> statusKeys(Kind kind, String namespace) {
    String prefix =
        Keyspace.statusPrefix()
            + kind.lowerName()
            + "/"
            + (namespace == null ? "" : namespace + "/");
    return listing(PagedRead.keys(client.getKVClient(), prefix, timeout)).kvs().stream()
        .map(kv -> Keyspace.parseResourceKey(kv.getKey().toString(StandardCharsets.UTF_8)))
        .sorted()
        .toList();
  }

  /** A partition's last applied offset, or -1. */
  public long appliedOffset(String topic, int partition) {
    return first(Keyspace.offset(topic, partition))
        .map(kv -> AppliedOffset.parse(kv.getValue().getBytes()).offset())
        .orElse(-1L);
  }

  /**
   * The kept generations of the resource's current life (its uid now), oldest first; empty when it
   * does not exist.
   */
  public List<HistoryEntry> history(ResourceKey key) {
    Optional<Resource> current = resource(key);
    if (current.isEmpty() || current.get().metadata().uid() == null) {
      return List.of();
    }
    String prefix = Keyspace.historyPrefix(key, current.get().metadata().uid());
    // Keys first, then one entry per request: ten entries of a 512 KiB resource would pass gRPC's
    // 4 MiB response limit in one. Keys end in zero-padded generations, so etcd's key order is
    // generation order.
    GetResponse keys =
        await(
            client
                .getKVClient()
                .get(bytes(prefix), GetOption.builder().isPrefix(true).withKeysOnly(true).build()));
    List<HistoryEntry> entries = new ArrayList<>();
    for (KeyValue kv : keys.getKvs()) {
      first(kv.getKey().toString(StandardCharsets.UTF_8))
          .ifPresent(entry -> entries.add(StoredValues.history(entry.getValue().getBytes())));
    }
    return entries;
  }

  private Optional<KeyValue> first(String key) {
    GetResponse response = await(client.getKVClient().get(bytes(key)));
    return response.getKvs().isEmpty() ? Optional.empty() : Optional.of(response.getKvs().get(0));
  }

  /** A prefix read in pages: the timeout bounds each page, not the whole read. */
  private PagedRead.Listing listing(CompletableFuture<PagedRead.Listing> read) {
    try {
      return read.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "etcd request failed: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      read.cancel(false);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for etcd", e);
    }
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "etcd request failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IllegalStateException(
          "etcd did not answer within " + timeout.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for etcd", e);
    }
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
