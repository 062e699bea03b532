package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Header mutations of a route: on the request before it goes upstream, on the response before it
 * reaches the client, each list in the policy's order (set, then add, then remove).
 */
public record HeaderTransformIr(
    List<HeaderMutationIr> request, List<HeaderMutationIr> response, SourceRef source) {
  public HeaderTransformIr {
    request = Lists.copy(request);
    response = Lists.copy(response);
    requireNonNull(source, "source");
  }

  /** What a mutation does to its header. */
  public enum Op {
    /** Replaces every value (or adds the header). */
    SET,
    /** Appends a value. */
    ADD,
    /** Removes the header. */
    REMOVE
  }

  /**
   * One header mutation.
   *
   * @param name lower-case
   * @param value a {@link io.meshgate.config.model.Template} as the policy wrote it; null for
   *     {@link Op#REMOVE}
   */
  public record HeaderMutationIr(Op op, String name, String value) {
    public HeaderMutationIr {
      requireNonNull(op, "op");
      requireNonNull(name, "name");
    }
  }
}
