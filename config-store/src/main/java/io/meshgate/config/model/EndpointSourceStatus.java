package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

/**
 * What one outside source of a Backend holds, as the status leader sees it through its own
 * replica's watch; written beside the conditions, shown as {@code status.endpoints}.
 *
 * @param source what is watched, e.g. {@code consul/dc1/web}
 * @param endpoints how many endpoints it holds (kept while it does not answer)
 * @param healthy how many of them are healthy
 * @param index the source's index of its last answer; null for a source without one (DNS) or before
 *     its first answer
 * @param changedAt when its endpoints last changed, RFC 3339 in seconds; null before its first
 *     answer
 * @param staleSince since when it has not answered, RFC 3339 in seconds; null while it answers
 */
public record EndpointSourceStatus(
    String source, int endpoints, int healthy, Long index, String changedAt, String staleSince) {
  public EndpointSourceStatus {
    requireNonNull(source, "source");
  }
}
