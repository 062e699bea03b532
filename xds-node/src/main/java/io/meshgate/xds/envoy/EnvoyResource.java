package io.meshgate.xds.envoy;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;

/**
 * One translated Envoy resource, packed once: its name, its version (a hash of its bytes) and the
 * {@link Any} every stream sends. The bytes are serialised deterministically, so equal resources
 * give equal bytes and versions on every replica. {@link #toString()} shows no content (a Secret
 * holds a private key).
 */
public record EnvoyResource(String name, String version, Any packed) {
  private static final String TYPE_URL_PREFIX = "type.googleapis.com/";

  public EnvoyResource {
    requireNonNull(name, "name");
    requireNonNull(version, "version");
    requireNonNull(packed, "packed");
  }

  /** Serialises a resource once, for both its version and its Any. */
  static EnvoyResource of(String name, Message resource) {
    byte[] bytes = Versions.bytes(resource);
    return new EnvoyResource(
        name,
        Versions.ofBytes(bytes),
        Any.newBuilder()
            .setTypeUrl(TYPE_URL_PREFIX + resource.getDescriptorForType().getFullName())
            .setValue(UnsafeByteOperations.unsafeWrap(bytes))
            .build());
  }

  /**
   * A resource from its deterministic serialisation, written elsewhere (a route configuration put
   * together from its virtual hosts' cached bytes): the same name, version and Any as {@link #of}
   * gives for the message these bytes are.
   */
  static EnvoyResource ofBytes(String name, Descriptors.Descriptor type, ByteString bytes) {
    return new EnvoyResource(
        name,
        Versions.ofBytes(bytes),
        Any.newBuilder().setTypeUrl(TYPE_URL_PREFIX + type.getFullName()).setValue(bytes).build());
  }

  /** The resource as its message type (for tests and inspection; serving sends {@link #packed}). */
  public <M extends Message> M unpack(Class<M> type) {
    try {
      return packed.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(name + " is not a " + type.getSimpleName(), e);
    }
  }

  @Override
  public String toString() {
    return "EnvoyResource[" + name + ", " + packed.getTypeUrl() + ", " + version + "]";
  }
}
