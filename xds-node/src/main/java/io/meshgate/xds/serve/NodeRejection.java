package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One node's rejection of one type, as replicas share it: the type version it NACKed and the names
 * of the resources its rejected responses carried, sorted. No error detail: what a proxy says in
 * its NACK stays with the replica that heard it.
 *
 * @param at when the replica that heard the NACK remembered it, in milliseconds since the epoch
 *     (its clock): of two rejections of one node and type, the later one holds
 */
public record NodeRejection(
    String group, String nodeId, String typeUrl, String version, List<String> names, long at) {
  public NodeRejection {
    requireNonNull(group, "group");
    requireNonNull(nodeId, "nodeId");
    requireNonNull(typeUrl, "typeUrl");
    requireNonNull(version, "version");
    names = names.stream().sorted().distinct().toList();
  }
}
