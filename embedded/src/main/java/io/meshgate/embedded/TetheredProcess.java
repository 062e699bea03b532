package io.meshgate.embedded;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A process started by {@link Tether}: the JDK's process, except that {@link #destroy()} sends
 * SIGTERM without closing the child's input, which would make the watchdog send SIGKILL at once.
 */
final class TetheredProcess extends Process {
  private final Process process;

  TetheredProcess(Process process) {
    this.process = process;
  }

  /**
   * SIGTERM to the child; the pipe the watchdog holds stays open, so the child stops as it likes.
   */
  @Override
  public void destroy() {
    process.toHandle().destroy();
  }

  /** SIGKILL to the child (closing its input as well only wakes the watchdog). */
  @Override
  public Process destroyForcibly() {
    process.destroyForcibly();
    return this;
  }

  @Override
  public OutputStream getOutputStream() {
    return process.getOutputStream();
  }

  @Override
  public InputStream getInputStream() {
    return process.getInputStream();
  }

  @Override
  public InputStream getErrorStream() {
    return process.getErrorStream();
  }

  @Override
  public int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return process.waitFor(timeout, unit);
  }

  @Override
  public int exitValue() {
    return process.exitValue();
  }

  @Override
  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public boolean supportsNormalTermination() {
    return process.supportsNormalTermination();
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public CompletableFuture<Process> onExit() {
    return process.onExit().thenApply(exited -> this);
  }

  @Override
  public ProcessHandle toHandle() {
    return process.toHandle();
  }

  @Override
  public ProcessHandle.Info info() {
    return process.info();
  }

  @Override
  public Stream<ProcessHandle> children() {
    return process.children();
  }

  @Override
  public Stream<ProcessHandle> descendants() {
    return process.descendants();
  }

  @Override
  public String toString() {
    return "tethered " + process;
  }
}
