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
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The applier's etcd side: reads of offsets and current state, and the one guarded transaction that
 * writes an event's effect together with its partition's offset.
 */
final class AppliedLog {
  /** A partition's stored offset and the mod revision that guards it. */
  record StoredOffset(long offset, long modRevision) {
    static final StoredOffset NONE = new StoredOffset(-1, 0);
  }

  private final Client client;
  private final Duration timeout;

  AppliedLog(Client client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
  }

  StoredOffset offset(String topic, int partition) {
    GetResponse response =
        await(client.getKVClient().get(bytes(Keyspace.offset(topic, partition))));
    if (response.getKvs().isEmpty()) {
      return StoredOffset.NONE;
    }
    KeyValue kv = response.getKvs().get(0);
    return new StoredOffset(
        Long.parseLong(kv.getValue().toString(StandardCharsets.UTF_8)), kv.getModRevision());
  }

  /** Resource and status of each key, read in one transaction so they are of one revision. */
  Map<ResourceKey, Current> current(List<ResourceKey> keys) {
    Map<ResourceKey, Current> current = new LinkedHashMap<>();
    if (keys.isEmpty()) {
      return current;
    }
    List<Op> gets = new ArrayList<>();
    for (ResourceKey key : keys) {
      gets.add(Op.get(bytes(Keyspace.resource(key)), GetOption.DEFAULT));
      gets.add(Op.get(bytes(Keyspace.status(key)), GetOption.DEFAULT));
    }
    TxnResponse response = await(client.getKVClient().txn().Then(gets.toArray(Op[]::new)).commit());
    List<GetResponse> results = response.getGetResponses();
    for (int i = 0; i < keys.size(); i++) {
      GetResponse resource = results.get(2 * i);
      GetResponse status = results.get(2 * i + 1);
      KeyValue r = resource.getKvs().isEmpty() ? null : resource.getKvs().get(0);
      KeyValue s = status.getKvs().isEmpty() ? null : status.getKvs().get(0);
      current.put(
          keys.get(i),
          new Current(
              keys.get(i),
              r == null ? null : StoredValues.resource(r.getValue().getBytes(), r.getModRevision()),
              r == null ? 0 : r.getModRevision(),
              s == null ? null : StoredValues.status(s.getValue().getBytes()),
              s == null ? 0 : s.getModRevision()));
    }
    return current;
  }

  /**
   * Writes the plan and the offset if nothing read has changed since: the stored offset (so an
   * offset is applied once) and every read resource and status (so a concurrent applier of the same
   * partition, during a rebalance, cannot interleave).
   *
   * @return false when a guard failed; read again and replan
   */
  boolean commit(
      String topic,
      int partition,
      long offset,
      StoredOffset stored,
      Map<ResourceKey, Current> read,
      Plan plan) {
    List<Cmp> guards = new ArrayList<>();
    guards.add(
        new Cmp(
            bytes(Keyspace.offset(topic, partition)),
            Cmp.Op.EQUAL,
            CmpTarget.modRevision(stored.modRevision())));
    for (Current current : read.values()) {
      guards.add(
          new Cmp(
              bytes(Keyspace.resource(current.key())),
              Cmp.Op.EQUAL,
              CmpTarget.modRevision(current.resourceModRevision())));
      guards.add(
          new Cmp(
              bytes(Keyspace.status(current.key())),
              Cmp.Op.EQUAL,
              CmpTarget.modRevision(current.statusModRevision())));
    }
    List<Op> writes = new ArrayList<>();
    for (Plan.Write write : plan.writes()) {
      if (write instanceof Plan.Put put) {
        writes.add(Op.put(bytes(put.key()), ByteSequence.from(put.value()), PutOption.DEFAULT));
      } else {
        writes.add(Op.delete(bytes(write.key()), DeleteOption.DEFAULT));
      }
    }
    writes.add(
        Op.put(
            bytes(Keyspace.offset(topic, partition)),
            bytes(Long.toString(offset)),
            PutOption.DEFAULT));
    TxnResponse response =
        await(
            client
                .getKVClient()
                .txn()
                .If(guards.toArray(Cmp[]::new))
                .Then(writes.toArray(Op[]::new))
                .commit());
    return response.isSucceeded();
  }

  private <T> T await(java.util.concurrent.CompletableFuture<T> future) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new EtcdUnavailableException("etcd request failed: " + e.getCause(), e.getCause());
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
