package io.meshgate.config.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A client that makes a write land between a list's first and second page: once a range read has
 * answered keys, the next range read is sent after the write has succeeded. Everything else goes to
 * the client as it is.
 */
final class BetweenPages {
  private final Client client;
  private final Supplier<CompletableFuture<Long>> write;
  private final AtomicBoolean firstPageRead = new AtomicBoolean();
  private final CompletableFuture<Long> written = new CompletableFuture<>();

  /** {@code write} answers the revision it made. */
  BetweenPages(Client client, Supplier<CompletableFuture<Long>> write) {
    this.client = client;
    this.write = write;
  }

  /** The write's revision, once it was made between two pages. */
  CompletableFuture<Long> written() {
    return written;
  }

  Client client() {
    KV kv = client.getKVClient();
    KV pausing =
        delegate(
            KV.class,
            (proxy, method, args) -> {
              if (!isRangeRead(method, args) || written.isDone()) {
                return invoke(method, kv, args);
              }
              ByteSequence from = (ByteSequence) args[0];
              GetOption option = (GetOption) args[1];
              if (!firstPageRead.get()) {
                return kv.get(from, option)
                    .whenComplete(
                        (page, error) -> {
                          if (page != null && !page.getKvs().isEmpty()) {
                            firstPageRead.set(true);
                          }
                        });
              }
              return write
                  .get()
                  .whenComplete(
                      (revision, error) -> {
                        if (error == null) {
                          written.complete(revision);
                        } else {
                          written.completeExceptionally(error);
                        }
                      })
                  .thenCompose(revision -> kv.get(from, option));
            });
    return delegate(
        Client.class,
        (proxy, method, args) ->
            method.getName().equals("getKVClient") ? pausing : invoke(method, client, args));
  }

  private static boolean isRangeRead(Method method, Object[] args) {
    return method.getName().equals("get")
        && args.length == 2
        && args[1] instanceof GetOption option
        && (option.isPrefix() || option.getEndKey().isPresent());
  }

  private static <T> T delegate(Class<T> type, InvocationHandler handler) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
