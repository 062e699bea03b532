package io.meshgate.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the benches read of a server process they launched: its CPU time from {@code /proc} and its
 * heap in use after a full GC through {@code jcmd}. Linux and a JDK's {@code jcmd} on the path.
 */
public final class ProcessFigures {
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  /** Clock ticks per second of {@code /proc/PID/stat}'s times (USER_HZ, 100 on Linux). */
  public static final int TICKS_PER_SECOND = 100;

  private ProcessFigures() {}

  /** User + system CPU ticks (1/100 s) of a process, from {@code /proc/PID/stat}. */
  public static long cpuTicks(long pid) throws Exception {
    String[] stat = Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ")[1].split(" ");
    return Long.parseLong(stat[11]) + Long.parseLong(stat[12]);
  }

  /**
   * Heap in use after a full GC, by {@code jcmd PID GC.run} then {@code GC.heap_info}; -1 if
   * unread.
   */
  public static long heapUsedBytes(long pid) throws Exception {
    run("jcmd", Long.toString(pid), "GC.run");
    String info = run("jcmd", Long.toString(pid), "GC.heap_info");
    Matcher used = USED.matcher(info);
    return used.find() ? Long.parseLong(used.group(1)) * 1024 : -1;
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  /**
   * Waits up to two minutes for a replica's {@code /readyz} on {@code adminPort} to answer 200.
   *
   * @param log where the replica's output goes, named in the failure
   */
  public static void awaitReady(int adminPort, String log) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("xds-node did not get ready; see " + log);
  }
}
