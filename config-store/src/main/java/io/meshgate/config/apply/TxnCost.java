package io.meshgate.config.apply;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.meshgate.config.model.Reason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one transaction costs against etcd's limits, measured on the request etcd receives: the plan
 * is encoded as etcd's own {@code TxnRequest} message and its size taken. Pure.
 *
 * @param comparisons the guards ({@code --max-txn-ops} bounds them apart from the operations)
 * @param operations the writes, the offset among them
 * @param bytes the encoded request
 */
public record TxnCost(int comparisons, int operations, long bytes) {

  static TxnCost of(Plan plan) {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (Plan.Guard guard : plan.guards()) {
      txn.addCompare(
          Compare.newBuilder()
              .setResult(Compare.CompareResult.EQUAL)
              .setTarget(Compare.CompareTarget.MOD)
              .setKey(bytes(guard.key()))
              .setModRevision(guard.modRevision()));
    }
    for (Plan.Write write : plan.writes()) {
      if (write instanceof Plan.Put put) {
        txn.addSuccess(
            RequestOp.newBuilder()
                .setRequestPut(
                    PutRequest.newBuilder()
                        .setKey(bytes(put.key()))
                        .setValue(ByteString.copyFrom(put.value()))));
      } else if (write instanceof Plan.DeleteRange range) {
        txn.addSuccess(
            RequestOp.newBuilder()
                .setRequestDeleteRange(
                    DeleteRangeRequest.newBuilder()
                        .setKey(bytes(range.key()))
                        .setRangeEnd(bytes(range.end()))));
      } else {
        txn.addSuccess(
            RequestOp.newBuilder()
                .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(bytes(write.key()))));
      }
    }
    TxnRequest request = txn.build();
    return new TxnCost(
        request.getCompareCount(), request.getSuccessCount(), request.getSerializedSize());
  }

  /** The cost of one transaction holding both parts (repeated fields encode element by element). */
  TxnCost plus(TxnCost other) {
    return new TxnCost(
        comparisons + other.comparisons, operations + other.operations, bytes + other.bytes);
  }

  /** The cost left when a part of this transaction is taken out. */
  TxnCost minus(TxnCost part) {
    return new TxnCost(
        comparisons - part.comparisons, operations - part.operations, bytes - part.bytes);
  }

  /** Whether etcd, with these limits, takes the transaction. */
  public boolean fits(EtcdLimits limits) {
    return problems(limits, "this event").isEmpty();
  }

  /**
   * Why etcd, with these limits, would refuse the transaction, as reasons a user can act on; empty
   * when it fits.
   *
   * @param subject what the user sent, e.g. "this changeset of 40 resources"
   */
  public List<Reason> problems(EtcdLimits limits, String subject) {
    List<Reason> problems = new ArrayList<>();
    int most = Math.max(operations, comparisons);
    if (most > limits.maxTxnOps()) {
      problems.add(
          new Reason(
              "",
              subject
                  + " needs "
                  + operations
                  + " etcd operations and "
                  + comparisons
                  + " comparisons in one transaction; etcd allows "
                  + limits.maxTxnOps()
                  + " of each ("
                  + EtcdLimits.MAX_TXN_OPS_ENV
                  + ", etcd's --max-txn-ops): split it into smaller changesets"));
    }
    if (bytes > limits.transactionBytes()) {
      problems.add(
          new Reason(
              "",
              subject
                  + " needs an etcd transaction of "
                  + size(bytes)
                  + " (the resources, their history entries and statuses); etcd allows "
                  + size(limits.transactionBytes())
                  + " ("
                  + EtcdLimits.MAX_REQUEST_BYTES_ENV
                  + ", etcd's --max-request-bytes, less "
                  + EtcdLimits.RAFT_HEADER_RESERVE
                  + " bytes for etcd's own header): split it or make the resources smaller"));
    }
    return problems;
  }

  /** Bytes as a person reads them: 812 bytes, 96.4 KiB, 1.52 MiB. */
  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB (%d bytes)", bytes / 1024.0, bytes);
    }
    return String.format(Locale.ROOT, "%.2f MiB (%d bytes)", bytes / (1024.0 * 1024), bytes);
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }
}
