package io.meshgate.embedded;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a child process that dies with this JVM, however the JVM ends: a normal exit, an uncaught
 * error, an OOM kill or {@code kill -9}. Every long-lived process meshgate or its tests launch
 * (etcd members, redis, replica JVMs in the bench) goes through here, so a killed test run or a
 * killed {@code meshgate standalone} leaves nothing behind that holds ports and data directories.
 *
 * <p>How: the command runs under {@code /bin/sh}, which forks a watchdog and then {@code exec}s the
 * command in its own place. The watchdog holds the read end of the pipe that is the child's
 * standard input on the JVM side ({@link Process#getOutputStream()}); the write end is held by this
 * JVM alone (the JDK closes every other descriptor in the children it starts). When the JVM dies,
 * the kernel closes the write end, the watchdog reads end-of-file and sends SIGKILL to the child.
 *
 * <p>Why this and not the alternatives:
 *
 * <ul>
 *   <li>{@code prctl(PR_SET_PDEATHSIG)} must be called in the child between fork and exec; {@link
 *       ProcessBuilder} offers no hook there, and reaching it needs native code (JNI, or the FFM
 *       API that Java 17 does not have final).
 *   <li>A shutdown hook does not run on SIGKILL, which is exactly the case that left three etcd
 *       members running after a killed test JVM. The launchers keep their hooks for orderly exits.
 *   <li>Polling the parent's pid costs a wake-up per child per interval, leaves a window as long as
 *       the interval, and is fooled by pid reuse. A pipe's end-of-file is delivered by the kernel
 *       at once, and cannot be faked by another process.
 *   <li>{@code exec} keeps the shell's pid, so the {@link Process} returned is the child itself:
 *       {@link Process#pid()}, {@link Process#destroy()} (SIGTERM), {@link
 *       Process#destroyForcibly()} (SIGKILL) and {@link Process#waitFor()} act on etcd, not on a
 *       wrapper that would have to forward signals, and a test that kills a member and restarts it
 *       on the same ports does not race a child still dying behind its wrapper.
 * </ul>
 *
 * <p>When the child ends first (stopped or killed on purpose), the JDK closes its side of the pipe
 * as it reaps the child; the watchdog then wakes, finds from {@code /proc/self/stat} that it no
 * longer is the child's (its parent is now another process), and exits without signalling a pid
 * that may since name something else. So no watchdog outlives its child by more than a moment.
 *
 * <p>{@link Process#destroy()} on the JDK's own process closes the child's input after sending
 * SIGTERM, which the watchdog would take for the JVM's death and answer with SIGKILL, cutting short
 * the orderly stop the caller asked for. So {@link #start} returns a process whose {@code
 * destroy()} only sends SIGTERM, through {@link ProcessHandle#destroy()}, and leaves the pipe open.
 *
 * <p>Costs and limits: one small {@code sh} process per child. The child's standard input is {@code
 * /dev/null}, so the builder's input must stay {@link ProcessBuilder.Redirect#PIPE} and the caller
 * must neither write to nor close {@link Process#getOutputStream()} (closing it kills the child). A
 * child that daemonizes (forks and leaves) escapes; etcd and redis-server as launched here do not.
 * A command that cannot be executed is reported by the child's exit status 127 and the shell's
 * message on its error output, not by an {@link IOException} from {@code start}.
 */
public final class Tether {
  /**
   * The script {@code sh -c} runs; {@code "$@"} is the command. The watchdog ignores the hang-up,
   * interrupt and termination signals a terminal sends to the whole process group: it must outlive
   * the JVM to do its job, and it ends by itself once the pipe closes.
   */
  static final String SCRIPT =
      String.join(
          "\n",
          "child=$$",
          "exec 3<&0 0</dev/null",
          "(",
          "  trap '' HUP INT TERM",
          "  while read -r _ <&3; do :; done",
          "  if read -r stat </proc/self/stat; then",
          "    set -- $stat",
          "    [ \"$4\" = \"$child\" ] || exit 0",
          "  fi",
          "  kill -KILL \"$child\"",
          ") >/dev/null 2>&1 &",
          "exec \"$@\" 3<&-");

  private Tether() {}

  /**
   * Starts the builder's command tethered to this JVM, with the builder's directory, environment
   * and output redirects. The builder is left as it was given.
   *
   * @throws IllegalArgumentException when the builder redirects the child's input
   */
  public static Process start(ProcessBuilder builder) throws IOException {
    requireNonNull(builder, "builder");
    if (!builder.redirectInput().equals(ProcessBuilder.Redirect.PIPE)) {
      throw new IllegalArgumentException(
          "redirectInput: "
              + builder.redirectInput()
              + " (expected: PIPE; the tether holds the child's input)");
    }
    List<String> command = builder.command();
    builder.command(command(command));
    try {
      return new TetheredProcess(builder.start());
    } finally {
      builder.command(command);
    }
  }

  /** The command that runs {@code command} under the watchdog. */
  static List<String> command(List<String> command) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command: [] (expected: a program and its arguments)");
    }
    List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "meshgate-tether"));
    wrapped.addAll(command);
    return wrapped;
  }
}
