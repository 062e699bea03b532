package io.meshgate.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * {@code bin/chaos [--runs N] [--seed S] [--profile long|short]}: runs the fault suite N times
 * (default 1, profile long), each with the next seed drawn from S (random when not given), prints
 * one line per run and the findings of failed ones, and exits 1 if any run failed. Timelines and
 * replica logs go to {@code chaos/target/chaos-runs/SEED/}.
 */
public final class ChaosMain {
  private ChaosMain() {}

  public static void main(String[] args) throws Exception {
    int runs = 1;
    long base = new Random().nextLong();
    Profile profile = Profile.LONG;
    Path jar = Path.of("xds-node/target/meshgate.jar");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--seed" -> base = Long.parseLong(args[++i]);
        case "--profile" -> profile = Profile.valueOf(args[++i].toUpperCase(Locale.ROOT));
        case "--jar" -> jar = Path.of(args[++i]);
        default -> {
          System.err.println(
              "usage: bin/chaos [--runs N] [--seed S] [--profile long|short] [--jar PATH]");
          System.exit(2);
        }
      }
    }
    Random seeds = new Random(base);
    System.out.printf("chaos: %d run(s), profile %s, base seed %d%n", runs, profile, base);
    List<ChaosRun.Result> failed = new ArrayList<>();
    long started = System.nanoTime();
    for (int run = 1; run <= runs; run++) {
      long seed = run == 1 ? base : seeds.nextLong();
      Path dir = Path.of("chaos/target/chaos-runs", Long.toString(seed));
      Files.createDirectories(dir);
      long runStarted = System.nanoTime();
      ChaosRun.Result result = new ChaosRun(seed, profile, jar, dir).run();
      System.out.printf(
          "run %d/%d seed %d: %s in %d s (%s)%n",
          run,
          runs,
          seed,
          result.passed() ? "passed" : "FAILED, " + result.findings().size() + " findings",
          Duration.ofNanos(System.nanoTime() - runStarted).toSeconds(),
          String.join("; ", result.faults().stream().map(Fault::describe).toList()));
      if (!result.passed()) {
        failed.add(result);
        result.findings().stream().limit(10).forEach(f -> System.out.println("  " + f));
        System.out.println("  timeline: " + result.timeline().toAbsolutePath());
      }
    }
    System.out.printf(
        "chaos: %d of %d runs passed in %d min%n",
        runs - failed.size(), runs, Duration.ofNanos(System.nanoTime() - started).toMinutes());
    System.exit(failed.isEmpty() ? 0 : 1);
  }
}
