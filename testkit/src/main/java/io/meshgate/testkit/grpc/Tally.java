package io.meshgate.testkit.grpc;

import io.grpc.Status;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of a batch of echo calls: how many each server answered, and the status codes of the
 * calls no server answered.
 */
public record Tally(Map<String, Integer> answers, Map<Status.Code, Integer> failures) {
  public Tally {
    answers = Map.copyOf(answers);
    failures = Map.copyOf(failures);
  }

  /** Calls answered by any of the servers {@code names}. */
  public int answeredBy(String... names) {
    int sum = 0;
    for (String name : names) {
      sum += answers.getOrDefault(name, 0);
    }
    return sum;
  }

  /** Calls that failed with {@code code}. */
  public int failedWith(Status.Code code) {
    return failures.getOrDefault(code, 0);
  }

  public int total() {
    return answers.values().stream().mapToInt(Integer::intValue).sum()
        + failures.values().stream().mapToInt(Integer::intValue).sum();
  }

  @Override
  public String toString() {
    return "answers " + new TreeMap<>(answers) + ", failures " + new TreeMap<>(failures);
  }

  static final class Builder {
    private final Map<String, Integer> answers = new TreeMap<>();
    private final Map<Status.Code, Integer> failures = new EnumMap<>(Status.Code.class);

    void answered(String name) {
      answers.merge(name, 1, Integer::sum);
    }

    void failed(Status.Code code) {
      failures.merge(code, 1, Integer::sum);
    }

    Tally build() {
      return new Tally(answers, failures);
    }
  }
}
