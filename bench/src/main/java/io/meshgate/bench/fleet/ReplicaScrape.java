package io.meshgate.bench.fleet;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One read of a replica's {@code /metrics} (Prometheus text): each sample line's value, keyed by
 * its name and labels as written. Two reads give what happened between them: a counter's increase,
 * a histogram's observations ({@link #since}).
 */
record ReplicaScrape(Map<String, Double> lines) {
  ReplicaScrape {
    lines = Map.copyOf(lines);
  }

  static ReplicaScrape of(int adminPort) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "/metrics answered " + response.statusCode() + " (expected: 200)");
    }
    Map<String, Double> lines = new HashMap<>();
    for (String line : response.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      lines.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return new ReplicaScrape(lines);
  }

  /** The sum of the series named {@code name} whose labels contain {@code label} (or any). */
  double value(String name, String label) {
    double sum = 0;
    for (var line : lines.entrySet()) {
      String key = line.getKey();
      boolean named = key.equals(name) || key.startsWith(name + "{");
      if (named && (label == null || key.contains(label))) {
        sum += line.getValue();
      }
    }
    return sum;
  }

  /**
   * The observations of histogram {@code base} (its {@code _count}, {@code _sum} and {@code
   * _bucket} series with {@code label}) made after {@code before} was read and before this.
   */
  Observations since(ReplicaScrape before, String base, String label) {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    for (var line : lines.entrySet()) {
      String key = line.getKey();
      if (!key.startsWith(base + "_bucket{") || (label != null && !key.contains(label))) {
        continue;
      }
      int le = key.indexOf("le=\"") + 4;
      String bound = key.substring(le, key.indexOf('"', le));
      double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
      double was = before.lines.getOrDefault(key, 0.0);
      buckets.merge(upper, line.getValue() - was, Double::sum);
    }
    return new Observations(
        value(base + "_count", label) - before.value(base + "_count", label),
        value(base + "_sum", label) - before.value(base + "_sum", label),
        buckets);
  }

  /**
   * A histogram's observations between two reads.
   *
   * @param count how many
   * @param sumSeconds their sum
   * @param cumulative by bucket upper bound (seconds), how many were at or below it
   */
  record Observations(double count, double sumSeconds, TreeMap<Double, Double> cumulative) {
    double meanMs() {
      return count == 0 ? Double.NaN : sumSeconds / count * 1000;
    }

    /**
     * The upper bound (ms) of the first bucket holding the {@code quantile} of the observations:
     * the quantile is at or below it, above the bound before.
     */
    double boundMs(double quantile) {
      double rank = Math.ceil(quantile * count);
      for (var bucket : cumulative.entrySet()) {
        if (bucket.getValue() >= rank) {
          return bucket.getKey() * 1000;
        }
      }
      return Double.NaN;
    }
  }
}
