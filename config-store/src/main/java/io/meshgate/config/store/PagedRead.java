package io.meshgate.config.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads everything under a prefix as it was at one revision, in pages that each fit in a gRPC
 * response.
 *
 * <p>One range read of a whole prefix fails once its answer passes the client's gRPC limit on a
 * response (4 MiB): ten resources of 500 KiB, or 2,000 routes of 2 KiB. So the first page is read
 * at the current revision R and every next one at R too, from the key after the last one seen,
 * until etcd says there is no more: together the pages are the prefix at R, whatever was written
 * meanwhile, and a watch from R + 1 misses nothing. If R is compacted between two pages, the read
 * starts over at a new revision (a few times, then it fails).
 *
 * <p>Pages are read one after the other; their callbacks run on the client's threads and only
 * collect. The listing completes there too: a caller with a thread of its own hands the result over
 * to it, as {@link PrefixView} does. Cancelling the returned future stops the read before its next
 * page.
 */
public final class PagedRead {
  private static final Logger log = LoggerFactory.getLogger(PagedRead.class);

  /**
   * Keys in a first page. 256 values of up to 15 KiB fit in 4 MiB: statuses, conditions and most
   * resources, so most prefixes take a round trip per 256 keys. Values can be far larger (a
   * resource up to 512 KiB, anything else up to etcd's request limit), so a page that gRPC refuses
   * as too large is asked again with a quarter of the keys, down to one: a single resource always
   * fits. etcd has read a refused page in full, so the smaller size is kept for the rest of the
   * read: at most four pages are refused.
   */
  private static final int FIRST_PAGE_KEYS = 256;

  private static final int MAX_RESTARTS = 3;
  private static final ByteSequence NUL = ByteSequence.from(new byte[] {0});

  private final KV kv;
  private final String prefix;
  private final ByteSequence start;
  private final ByteSequence end;
  private final Duration pageTimeout;
  private final boolean keysOnly;
  private final CompletableFuture<Listing> result = new CompletableFuture<>();

  // Used by one page's callback at a time: each page is asked for by the one before it, so they
  // need no lock.
  private final List<KeyValue> kvs = new ArrayList<>();
  private int pageKeys = FIRST_PAGE_KEYS;
  private int restarts;

  private PagedRead(KV kv, String prefix, Duration pageTimeout, boolean keysOnly) {
    this.kv = requireNonNull(kv, "kv");
    this.prefix = requireNonNull(prefix, "prefix");
    this.pageTimeout = requireNonNull(pageTimeout, "pageTimeout");
    this.keysOnly = keysOnly;
    this.start = ByteSequence.from(prefix, UTF_8);
    this.end = OptionsUtil.prefixEndOf(start);
  }

  /**
   * Every key and value under {@code prefix} at one revision, in key order. {@code pageTimeout}
   * bounds each page, not the whole read.
   */
  public static CompletableFuture<Listing> all(KV kv, String prefix, Duration pageTimeout) {
    return new PagedRead(kv, prefix, pageTimeout, false).begin();
  }

  /** Every key under {@code prefix} at one revision, in key order, without values. */
  public static CompletableFuture<Listing> keys(KV kv, String prefix, Duration pageTimeout) {
    return new PagedRead(kv, prefix, pageTimeout, true).begin();
  }

  /** What was under the prefix at {@code revision}, in key order. */
  public record Listing(long revision, List<KeyValue> kvs) {
    public Listing {
      kvs = List.copyOf(kvs);
    }
  }

  private CompletableFuture<Listing> begin() {
    kvs.clear();
    read(start, 0);
    return result;
  }

  /** Reads the page from {@code from}; at the current revision when {@code revision} is 0. */
  private void read(ByteSequence from, long revision) {
    if (result.isDone()) {
      return; // cancelled
    }
    // No sort order: etcd answers a range in key order, and any sort order (even by key, ascending)
    // makes it read the whole rest of the range for every page and cut it afterwards.
    GetOption.Builder option =
        GetOption.builder().withRange(end).withLimit(pageKeys).withKeysOnly(keysOnly);
    if (revision > 0) {
      option.withRevision(revision);
    }
    try {
      kv.get(from, option.build())
          .orTimeout(pageTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((page, error) -> onPage(from, revision, page, error));
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  private void onPage(ByteSequence from, long revision, GetResponse page, Throwable error) {
    if (result.isDone()) {
      return;
    }
    try {
      if (error != null) {
        onFailure(from, revision, error);
        return;
      }
      long at = revision > 0 ? revision : page.getHeader().getRevision();
      List<KeyValue> got = page.getKvs();
      kvs.addAll(got);
      if (!page.isMore() || got.isEmpty()) {
        result.complete(new Listing(at, kvs));
        return;
      }
      read(got.get(got.size() - 1).getKey().concat(NUL), at);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  private void onFailure(ByteSequence from, long revision, Throwable error) {
    Status.Code code = code(error);
    if (code == Status.Code.RESOURCE_EXHAUSTED) {
      // On a read this is gRPC's limit on a response, or etcd's "too many requests" while its
      // apply loop lags: smaller pages are the answer to the first and do no harm to the second.
      if (pageKeys == 1) {
        result.completeExceptionally(
            new IllegalStateException(
                "reading "
                    + prefix
                    + ": the first key from "
                    + from.toString(UTF_8)
                    + " does not fit in one response by itself",
                error));
        return;
      }
      pageKeys = Math.max(1, pageKeys / 4);
      log.debug("a page of {} was too large; reading {} keys a page", prefix, pageKeys);
      read(from, revision);
      return;
    }
    if (code == Status.Code.OUT_OF_RANGE && revision > 0 && restarts < MAX_RESTARTS) {
      restarts++;
      log.info("revision {} was compacted while reading {}; reading it again", revision, prefix);
      begin();
      return;
    }
    if (root(error) instanceof TimeoutException) {
      result.completeExceptionally(
          new TimeoutException(
              "etcd did not answer a page of " + prefix + " within " + pageTimeout));
      return;
    }
    result.completeExceptionally(error);
  }

  private static Status.Code code(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof EtcdException etcd) {
        return Status.Code.valueOf(etcd.getErrorCode().name());
      }
    }
    return Status.fromThrowable(error).getCode();
  }

  private static Throwable root(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
