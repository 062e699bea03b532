package io.meshgate.xds.serve;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * A server call's response side without a transport: records what is sent, can be told to fail on
 * send (as a call cancelled without a cancel handler does), to stop being ready, or to be
 * cancelled, running the handlers the service set. Single-threaded, for deterministic tests.
 */
final class FakeCall<R> extends ServerCallStreamObserver<R> {
  final List<R> sent = new ArrayList<>();
  Throwable error;
  boolean failOnSend;
  boolean ready = true;
  private boolean cancelled;
  private Runnable onCancel = () -> {};
  private Runnable onReady = () -> {};

  @Override
  public void onNext(R value) {
    if (failOnSend) {
      throw Status.CANCELLED.withDescription("call already cancelled").asRuntimeException();
    }
    sent.add(value);
  }

  @Override
  public void onError(Throwable t) {
    error = t;
  }

  @Override
  public void onCompleted() {}

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void setOnCancelHandler(Runnable onCancelHandler) {
    onCancel = onCancelHandler;
  }

  @Override
  public void setCompression(String compression) {}

  @Override
  public boolean isReady() {
    return ready && !cancelled;
  }

  @Override
  public void setOnReadyHandler(Runnable onReadyHandler) {
    onReady = onReadyHandler;
  }

  @Override
  public void disableAutoInboundFlowControl() {}

  @Override
  public void request(int count) {}

  @Override
  public void setMessageCompression(boolean enable) {}

  /** The proxy went away: gRPC runs the cancel handler. */
  void cancel() {
    cancelled = true;
    onCancel.run();
  }

  /** The proxy reads again: gRPC runs the ready handler. */
  void becomeReady() {
    ready = true;
    onReady.run();
  }
}
