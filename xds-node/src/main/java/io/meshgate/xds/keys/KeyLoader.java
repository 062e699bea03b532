package io.meshgate.xds.keys;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.GatewayListener;
import io.meshgate.config.model.GatewaySpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.SealedData;
import io.meshgate.config.model.SecretObjectRef;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecretType;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.seal.SealException;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.ConfigSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only code that reads or unseals key material. For a config it opens every certificate
 * reference the config makes — a kubernetes.io/tls Secret's sealed key with this replica's seal
 * key, a PEM file only from the node's {@link CertificateDirs} — and returns them as an immutable
 * {@link KeyRing}. What it opened is kept until the config stops referring to it, so a rebuild does
 * not unseal or read again; files it read are watched (their metadata, every {@code period}) and a
 * changed file is read again on the next {@link #ringFor}, after the change listener ran.
 * Thread-safe.
 */
public final class KeyLoader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeyLoader.class);
  private static final String FILE_STAMP = "unix:dev,ino,size,lastModifiedTime,ctime";

  private final @Nullable Unsealer unsealer;
  private final CertificateDirs files;
  private final Map<KeyRef, Loaded> loaded = new HashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private @Nullable ScheduledExecutorService watcher;

  /** Material as loaded, and the file's metadata read before its bytes (files only). */
  private record Loaded(KeyMaterial material, @Nullable Map<String, Object> stamp) {}

  private KeyLoader(@Nullable Unsealer unsealer, CertificateDirs files) {
    this.unsealer = unsealer;
    this.files = requireNonNull(files, "files");
  }

  /** A replica with neither a seal key nor cert dirs: every reference is unavailable. */
  public static KeyLoader none() {
    return new KeyLoader(null, CertificateDirs.none());
  }

  /**
   * @param unsealer this replica's seal key; null when it has none (sealed keys are unavailable)
   * @param files where certificate files may be read from
   */
  public static KeyLoader of(@Nullable Unsealer unsealer, CertificateDirs files) {
    return new KeyLoader(unsealer, files);
  }

  /**
   * Every key reference in a config: each kubernetes.io/tls Secret (whether or not a listener uses
   * it yet), each Opaque Secret with sealed values (whether or not a policy uses it yet) and each
   * file named by a Gateway listener's certificateRefs, in the Gateway's namespace.
   */
  public static Set<KeyRef> referencesIn(ConfigSnapshot config) {
    Set<KeyRef> refs = new LinkedHashSet<>();
    for (Resource secret : config.ofKind(Kind.SECRET)) {
      SecretSpec spec = secret.spec(SecretSpec.class);
      String chain = spec.data().get("tls.crt");
      if (spec.type() == SecretType.OPAQUE && spec.sealed() != null) {
        refs.add(
            new KeyRef.SealedValues(
                secret.metadata().namespace(), secret.metadata().name(), spec.sealed()));
      }
      if (spec.type() == SecretType.TLS && spec.sealed() != null && chain != null) {
        refs.add(
            new KeyRef.Sealed(
                secret.metadata().namespace(),
                secret.metadata().name(),
                new String(Base64.getDecoder().decode(chain), StandardCharsets.UTF_8),
                spec.sealed()));
      }
    }
    for (Resource gateway : config.ofKind(Kind.GATEWAY)) {
      for (GatewayListener listener : gateway.spec(GatewaySpec.class).listeners()) {
        if (listener.tls() == null) {
          continue;
        }
        for (SecretObjectRef ref : listener.tls().certificateRefs()) {
          if (ref.isFile()) {
            refs.add(new KeyRef.File(gateway.metadata().namespace(), ref.name()));
          }
        }
      }
    }
    return refs;
  }

  /**
   * The ring of every reference in {@code config}: material kept from before, and the rest opened
   * now (on the caller's thread: a file read waits at most {@link CertificateDirs#READ_TIMEOUT}).
   */
  public KeyRing ringFor(ConfigSnapshot config) {
    return ringFor(referencesIn(config));
  }

  /** The ring of exactly these references; what is not among them is forgotten. */
  public KeyRing ringFor(Set<KeyRef> refs) {
    Map<KeyRef, KeyMaterial> ring = new HashMap<>();
    synchronized (this) {
      Map<KeyRef, Loaded> kept = new HashMap<>();
      for (KeyRef ref : refs) {
        Loaded entry = loaded.get(ref);
        if (entry == null) {
          entry = load(ref);
        }
        kept.put(ref, entry);
        ring.put(ref, entry.material());
      }
      loaded.clear();
      loaded.putAll(kept);
    }
    return KeyRing.of(ring);
  }

  /**
   * Starts checking, every {@code period}, whether a file read for the last ring changed on disk
   * (device, inode, size, modification and change times, through symbolic links); when one did, it
   * is forgotten and {@code onChange} runs, so the caller asks for a new ring.
   */
  public synchronized void watchFiles(Duration period, Runnable onChange) {
    listeners.add(requireNonNull(onChange, "onChange"));
    if (watcher == null) {
      watcher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread thread = new Thread(r, "meshgate-key-files");
                thread.setDaemon(true);
                return thread;
              });
      watcher.scheduleWithFixedDelay(
          this::checkFiles, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** Forgets every file whose metadata changed since it was read; true if any did. */
  boolean checkFiles() {
    boolean changed = false;
    synchronized (this) {
      for (var it = loaded.entrySet().iterator(); it.hasNext(); ) {
        var entry = it.next();
        if (entry.getKey() instanceof KeyRef.File file
            && entry.getValue().stamp() != null
            && !entry.getValue().stamp().equals(stamp(file.path()))) {
          log.info("certificate file {} changed on disk; reading it again", file.path());
          it.remove();
          changed = true;
        }
      }
    }
    if (changed) {
      for (Runnable listener : listeners) {
        try {
          listener.run();
        } catch (RuntimeException e) {
          log.warn("a key change listener failed", e);
        }
      }
    }
    return changed;
  }

  private Loaded load(KeyRef ref) {
    Loaded loaded;
    if (ref instanceof KeyRef.Sealed sealed) {
      loaded = new Loaded(unseal(sealed), null);
    } else if (ref instanceof KeyRef.SealedValues values) {
      loaded = new Loaded(unsealValues(values), null);
    } else {
      loaded = loadFile((KeyRef.File) ref);
    }
    if (loaded.material() instanceof KeyMaterial.Unavailable unavailable) {
      log.warn(
          "the key material of {} cannot be opened; what uses it is left out: {}",
          ref,
          unavailable.message());
    }
    return loaded;
  }

  private KeyMaterial unseal(KeyRef.Sealed ref) {
    if (unsealer == null) {
      return invalid(
          "this replica has no seal key (MESHGATE_SEAL_KEY), so it cannot unseal tls.key");
    }
    byte[] key;
    try {
      key = unsealer.unseal(ref.namespace(), ref.secretName(), ref.sealed()).get("tls.key");
    } catch (SealException e) {
      // SealException messages name the Secret and key, never a value.
      return invalid("tls.key cannot be unsealed: " + e.getMessage());
    }
    if (key == null) {
      return invalid("the sealed data has no tls.key");
    }
    String keyPem = new String(key, StandardCharsets.UTF_8);
    if (!isOnePrivateKey(keyPem)) {
      return invalid("tls.key is not a PEM private key");
    }
    return new KeyMaterial.Opened(
        sha256((ref.chainPem() + keyPem).getBytes(StandardCharsets.UTF_8)), ref.chainPem(), keyPem);
  }

  private KeyMaterial unsealValues(KeyRef.SealedValues ref) {
    if (unsealer == null) {
      return invalid(
          "this replica has no seal key (MESHGATE_SEAL_KEY), so it cannot unseal the Secret's values");
    }
    Map<String, byte[]> opened;
    try {
      opened = unsealer.unseal(ref.namespace(), ref.secretName(), ref.sealed());
    } catch (SealException e) {
      return invalid("its values cannot be unsealed: " + e.getMessage());
    }
    Map<String, SecretValue> values = new TreeMap<>();
    opened.forEach((key, value) -> values.put(key, SecretValue.of(value)));
    return new KeyMaterial.Values(envelopeFingerprint(ref.sealed()), values);
  }

  /**
   * SHA-256 over a sealed envelope (algorithm, key id, wrapped key, and each key with its
   * ciphertext in key order, each length-prefixed): it tells envelopes apart and says nothing of
   * the values inside.
   */
  private static String envelopeFingerprint(SealedData sealed) {
    MessageDigest digest = sha256();
    List<String> parts = new ArrayList<>();
    parts.add(sealed.algorithm());
    parts.add(sealed.keyId());
    parts.add(sealed.wrappedKey());
    new TreeMap<>(sealed.data())
        .forEach(
            (key, ciphertext) -> {
              parts.add(key);
              parts.add(ciphertext);
            });
    for (String part : parts) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      digest.update(bytes);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private Loaded loadFile(KeyRef.File ref) {
    if (files.isEmpty()) {
      return new Loaded(refused(files.refusal()), null);
    }
    // The stamp is taken before the bytes: a change after it shows at the next check.
    Map<String, Object> stamp = stamp(ref.path());
    byte[] bytes;
    try {
      bytes = files.read(ref.namespace(), ref.path());
    } catch (CertificateDirs.Refused e) {
      return new Loaded(refused(e.getMessage()), stamp);
    }
    return new Loaded(splitPem(ref.path(), bytes), stamp);
  }

  /** A file's identity and times, following links; empty when it cannot be read. */
  private static Map<String, Object> stamp(String path) {
    try {
      return Map.copyOf(Files.readAttributes(Path.of(path), FILE_STAMP));
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
  }

  /**
   * A file's CERTIFICATE blocks (the chain, in order) and its one private key block, each as {@link
   * Pem} writes it; the fingerprint is of the file's bytes.
   */
  private static KeyMaterial splitPem(String path, byte[] bytes) {
    List<Pem.Block> blocks;
    try {
      blocks = Pem.blocks(Pem.text(bytes), path);
    } catch (IllegalArgumentException e) {
      return invalid(e.getMessage());
    }
    StringBuilder chain = new StringBuilder();
    List<Pem.Block> keys = new ArrayList<>();
    for (Pem.Block block : blocks) {
      if (block.label().equals(Pem.CERTIFICATE)) {
        chain.append(block.text());
      } else if (block.isPrivateKey()) {
        keys.add(block);
      }
    }
    if (keys.size() > 1) {
      return invalid(path + " holds more than one private key");
    }
    if (chain.length() == 0 || keys.isEmpty()) {
      return invalid(path + " must hold a PEM certificate chain and one PEM private key");
    }
    return new KeyMaterial.Opened(sha256(bytes), chain.toString(), keys.get(0).text());
  }

  /** Exactly one private key block; whether Envoy can use the key is Envoy's to say. */
  private static boolean isOnePrivateKey(String pem) {
    try {
      return Pem.blocks(pem, "tls.key").stream().filter(Pem.Block::isPrivateKey).count() == 1;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static KeyMaterial invalid(String message) {
    return new KeyMaterial.Unavailable(KeyMaterial.Reason.INVALID_CERTIFICATE_REF, message);
  }

  private static KeyMaterial refused(String message) {
    return new KeyMaterial.Unavailable(KeyMaterial.Reason.REF_NOT_PERMITTED, message);
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  @Override
  public synchronized void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "KeyLoader["
        + (unsealer == null ? "no seal key" : "seal key " + unsealer.keyId())
        + ", "
        + files
        + "]";
  }
}
