package io.meshgate.config.seal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.model.SealedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rotated key stays able to open what was sealed for it: the replica's small key ring. */
class KeyRotationTest {
  @TempDir Path dir;

  private static SealedData seal(SealKeyPair pair, String value) {
    return new Sealer(pair.publicKey())
        .seal("default", "s", Map.of("token", value.getBytes(UTF_8)));
  }

  private static String open(Unsealer unsealer, SealedData sealed) {
    return new String(unsealer.unseal("default", "s", sealed).get("token"), UTF_8);
  }

  @Test
  void anUnsealerWithRetiredKeysOpensEachEnvelopeWithTheKeyItNames() {
    // given
    Unsealer ring =
        Unsealer.withRetired(TestKeys.CLUSTER.privateKey(), List.of(TestKeys.OTHER.privateKey()));

    // when / then
    assertThat(ring.keyId()).isEqualTo(TestKeys.CLUSTER.keyId());
    assertThat(ring.keyIds())
        .containsExactlyInAnyOrder(TestKeys.CLUSTER.keyId(), TestKeys.OTHER.keyId());
    assertThat(open(ring, seal(TestKeys.CLUSTER, "new"))).isEqualTo("new");
    assertThat(open(ring, seal(TestKeys.OTHER, "old"))).isEqualTo("old");
  }

  @Test
  void anEnvelopeNamingAnUnknownKeyStillFailsNamingTheKeysHeld() {
    // given
    Unsealer ring =
        Unsealer.withRetired(TestKeys.CLUSTER.privateKey(), List.of(TestKeys.OTHER.privateKey()));
    SealedData sealed = seal(TestKeys.CLUSTER, "x");
    SealedData unknown =
        new SealedData(sealed.algorithm(), "0123456789abcdef", sealed.wrappedKey(), sealed.data());

    // then
    assertThatThrownBy(() -> ring.unseal("default", "s", unknown))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "default/s: sealed for key 0123456789abcdef, this replica holds key "
                + TestKeys.CLUSTER.keyId()
                + " (and retired "
                + TestKeys.OTHER.keyId()
                + "): seal it again with this cluster's public key (meshgate seal)");
  }

  @Test
  void afterRetiringTheKeyFileUnsealerOpensValuesSealedBeforeAndAfter() throws Exception {
    // given: a value sealed with the first key
    TestKeys.OTHER.writeTo(dir);
    SealedData before = seal(TestKeys.OTHER, "before");

    // when: the pair is retired and a successor written in its place
    Path retired = SealKeyPair.retire(dir);
    TestKeys.CLUSTER.writeTo(dir);
    SealedData after = seal(TestKeys.CLUSTER, "after");

    // then
    assertThat(retired).isEqualTo(dir.resolve("retired/seal-" + TestKeys.OTHER.keyId() + ".key"));
    assertThat(Files.getPosixFilePermissions(retired))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(dir.resolve("retired/seal-" + TestKeys.OTHER.keyId() + ".pub")).exists();
    Unsealer replica = Unsealer.readKeyFile(dir.resolve(SealKeyPair.PRIVATE_FILE));
    assertThat(replica.keyId()).isEqualTo(TestKeys.CLUSTER.keyId());
    assertThat(open(replica, before)).isEqualTo("before");
    assertThat(open(replica, after)).isEqualTo("after");
    assertThatThrownBy(() -> open(new Unsealer(TestKeys.CLUSTER.privateKey()), before))
        .isInstanceOf(SealException.class);
  }
}
