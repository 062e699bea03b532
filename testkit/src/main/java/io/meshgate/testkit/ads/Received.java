package io.meshgate.testkit.ads;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import java.util.List;

/**
 * One response as the client read it, before it answered.
 *
 * @param stream the number of the client's stream it came on (1 for the first {@code open})
 * @param typeUrl the response's type, possibly one no simulated Envoy takes
 * @param versionInfo the response's {@code version_info} (state of the world); empty in delta
 * @param resources what it carried, in order
 * @param removed the names it removed (delta); empty in state of the world
 * @param bytes the response's serialized size
 */
public record Received(
    int stream,
    String typeUrl,
    String nonce,
    String versionInfo,
    List<Delivered> resources,
    List<String> removed,
    int bytes) {
  public Received {
    requireNonNull(typeUrl, "typeUrl");
    requireNonNull(nonce, "nonce");
    requireNonNull(versionInfo, "versionInfo");
    resources = List.copyOf(resources);
    removed = List.copyOf(removed);
  }

  /**
   * One resource of a response.
   *
   * @param name delta: the name the server gave; state of the world: the unpacked resource's name,
   *     empty when it did not unpack
   * @param version delta: the server's; state of the world: as the client's {@link SotwVersions}
   */
  public record Delivered(String name, String version, Any resource) {
    public Delivered {
      requireNonNull(name, "name");
      requireNonNull(version, "version");
      requireNonNull(resource, "resource");
    }
  }
}
