package io.meshgate.config.apply;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The applier's etcd side: reads of offsets and current state, and the one guarded transaction that
 * writes an event's effect (or a batch of consecutive events' effects) together with its
 * partition's offset.
 */
final class AppliedLog {
  /** A partition's stored offset and the mod revision that guards it. */
  record StoredOffset(long offset, long modRevision) {
    static final StoredOffset NONE = new StoredOffset(-1, 0);
  }

  /** At most this many keys per read: 4 × 512 KiB stays under gRPC's 4 MiB response limit. */
  private static final int READ_CHUNK = 4;

  private final Client client;
  private final Duration timeout;
  private final EtcdLimits limits;

  AppliedLog(Client client, Duration timeout, EtcdLimits limits) {
    this.client = client;
    this.timeout = timeout;
    this.limits = limits;
  }

  StoredOffset offset(String topic, int partition) {
    GetResponse response =
        await(client.getKVClient().get(bytes(Keyspace.offset(topic, partition))));
    if (response.getKvs().isEmpty()) {
      return StoredOffset.NONE;
    }
    KeyValue kv = response.getKvs().get(0);
    return new StoredOffset(
        AppliedOffset.parse(kv.getValue().getBytes()).offset(), kv.getModRevision());
  }

  /**
   * Resource and status of each key. Read a few keys per request, so that neither etcd's operation
   * limit nor gRPC's 4 MiB response limit (four resources of at most 512 KiB and their statuses) is
   * reached; the commit's guards catch anything that moves between the reads.
   */
  Map<ResourceKey, Current> current(List<ResourceKey> keys) {
    Map<ResourceKey, Current> current = new LinkedHashMap<>();
    int chunk = Math.max(1, Math.min(READ_CHUNK, limits.maxTxnOps() / 2));
    // Every chunk is sent before the first answer is awaited: a batch's reads cost one round trip,
    // not one per chunk.
    List<CompletableFuture<TxnResponse>> pending = new ArrayList<>();
    for (int from = 0; from < keys.size(); from += chunk) {
      List<ResourceKey> some = keys.subList(from, Math.min(keys.size(), from + chunk));
      List<Op> gets = new ArrayList<>();
      for (ResourceKey key : some) {
        gets.add(Op.get(bytes(Keyspace.resource(key)), GetOption.DEFAULT));
        gets.add(Op.get(bytes(Keyspace.status(key)), GetOption.DEFAULT));
      }
      pending.add(client.getKVClient().txn().Then(gets.toArray(Op[]::new)).commit());
    }
    try {
      for (int c = 0; c < pending.size(); c++) {
        List<ResourceKey> some = keys.subList(c * chunk, Math.min(keys.size(), (c + 1) * chunk));
        TxnResponse response = await(pending.get(c));
        List<GetResponse> results = response.getGetResponses();
        for (int i = 0; i < some.size(); i++) {
          KeyValue r = first(results.get(2 * i));
          KeyValue s = first(results.get(2 * i + 1));
          current.put(
              some.get(i),
              new Current(
                  some.get(i),
                  r == null
                      ? null
                      : StoredValues.resource(r.getValue().getBytes(), r.getModRevision()),
                  r == null ? 0 : r.getModRevision(),
                  s == null ? null : StoredValues.status(s.getValue().getBytes()),
                  s == null ? 0 : s.getModRevision()));
        }
      }
    } finally {
      pending.forEach(f -> f.cancel(true));
    }
    return current;
  }

  /**
   * Runs the plan's transaction: its writes, if every guard still holds (the stored offset, so an
   * offset is applied once, and what the planner read, so a concurrent applier of the same
   * partition, during a rebalance, cannot interleave).
   *
   * @return the revision the transaction created (the mod revision of every key it wrote, the
   *     partition's offset among them), or empty when a guard failed; read again and replan
   * @throws EtcdRefusedException when etcd refuses the transaction as such
   */
  OptionalLong commit(Plan plan) {
    List<Cmp> guards = new ArrayList<>();
    for (Plan.Guard guard : plan.guards()) {
      guards.add(
          new Cmp(bytes(guard.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(guard.modRevision())));
    }
    List<Op> writes = new ArrayList<>();
    for (Plan.Write write : plan.writes()) {
      if (write instanceof Plan.Put put) {
        writes.add(Op.put(bytes(put.key()), ByteSequence.from(put.value()), PutOption.DEFAULT));
      } else if (write instanceof Plan.DeleteRange range) {
        writes.add(
            Op.delete(
                bytes(range.key()), DeleteOption.builder().withRange(bytes(range.end())).build()));
      } else {
        writes.add(Op.delete(bytes(write.key()), DeleteOption.DEFAULT));
      }
    }
    TxnResponse response =
        await(
            client
                .getKVClient()
                .txn()
                .If(guards.toArray(Cmp[]::new))
                .Then(writes.toArray(Op[]::new))
                .commit());
    return response.isSucceeded()
        ? OptionalLong.of(response.getHeader().getRevision())
        : OptionalLong.empty();
  }

  private static KeyValue first(GetResponse response) {
    return response.getKvs().isEmpty() ? null : response.getKvs().get(0);
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw EtcdAnswers.classify(e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new EtcdUnavailableException(
          "etcd did not answer within " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted waiting for etcd", e);
    }
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
