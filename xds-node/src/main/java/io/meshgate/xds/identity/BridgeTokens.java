package io.meshgate.xds.identity;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretRef;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.seal.SealException;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.ConfigSnapshot;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The token a MeshBridge names for its CA ({@code ca.consul.token}): a value sealed ({@code
 * meshgate seal}) in a Secret of the bridge's namespace, opened with this node's seal key. It is
 * the bridge owner's own credential, so it goes to the agent the bridge names, wherever that is, in
 * place of this node's token. Never logged: {@link Token#toString} shows a fingerprint.
 */
public final class BridgeTokens {
  /** The key read when the reference names none. */
  public static final String DEFAULT_KEY = "token";

  /** The longest token taken: Consul's are UUIDs, and a token is sent as one HTTP header. */
  public static final int MAX_TOKEN_BYTES = 4096;

  /** What reading a reference gave. */
  public sealed interface Read permits Token, Unreadable {}

  /** A token, printed only as a fingerprint. */
  public record Token(String value) implements Read {
    public Token {
      requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      try {
        byte[] digest =
            MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        return "Token[sha256:" + HexFormat.of().formatHex(digest, 0, 4) + "]";
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is part of every JDK", e);
      }
    }
  }

  /** The reference cannot be read, and why (never a value). */
  public record Unreadable(String reason) implements Read {
    public Unreadable {
      requireNonNull(reason, "reason");
    }
  }

  private final Optional<Unsealer> unsealer;

  public BridgeTokens(Optional<Unsealer> unsealer) {
    this.unsealer = requireNonNull(unsealer, "unsealer");
  }

  /** A node without a seal key: every reference is unreadable. */
  public static BridgeTokens none() {
    return new BridgeTokens(Optional.empty());
  }

  /** The value {@code ref} names in {@code bridge}'s namespace. */
  public Read read(ConfigSnapshot config, Resource bridge, SecretRef ref) {
    String namespace = bridge.metadata().namespace();
    String key = ref.key() == null ? DEFAULT_KEY : ref.key();
    String named = "Secret " + namespace + "/" + ref.name() + " key " + key;
    Optional<Resource> secret = config.get(new ResourceKey(Kind.SECRET, namespace, ref.name()));
    if (secret.isEmpty()) {
      return new Unreadable(named + ": no such Secret");
    }
    SecretSpec spec = secret.get().spec(SecretSpec.class);
    if (spec.sealed() == null) {
      return new Unreadable(named + ": the Secret has no sealed values (meshgate seal)");
    }
    if (unsealer.isEmpty()) {
      return new Unreadable(named + ": this node has no seal key (MESHGATE_SEAL_KEY)");
    }
    Map<String, byte[]> opened;
    try {
      opened = unsealer.get().unseal(namespace, ref.name(), spec.sealed());
    } catch (SealException e) {
      // SealException messages name the Secret and key, never a value.
      return new Unreadable(named + ": " + e.getMessage());
    }
    byte[] value = opened.get(key);
    if (value == null) {
      return new Unreadable(named + ": no such sealed key");
    }
    if (value.length == 0 || value.length > MAX_TOKEN_BYTES) {
      return new Unreadable(
          named + ": " + value.length + " bytes (expected: 1 to " + MAX_TOKEN_BYTES + ")");
    }
    String token = new String(value, StandardCharsets.UTF_8).strip();
    if (token.isEmpty() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      return new Unreadable(named + ": not one printable token");
    }
    return new Token(token);
  }
}
