package io.meshgate.xds.cli;

import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Sealer;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The cluster's private seal key as a command's {@code --seal-key} names it. Each command declares
 * the option itself (its help says what the key is for there); this is what they do with it.
 */
final class SealKeyFile {
  private SealKeyFile() {}

  /**
   * {@code sealKey}, which the command cannot run without.
   *
   * @throws CommandLine.ParameterException when it is null (neither {@code --seal-key} nor {@code
   *     MESHGATE_SEAL_KEY} was given)
   */
  static Path required(CommandSpec spec, @Nullable Path sealKey) {
    if (sealKey == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "the private sealing key is required: --seal-key seal.key (or set MESHGATE_SEAL_KEY)");
    }
    return sealKey;
  }

  /** The private key in {@code sealKey}, which the command cannot run without. */
  static PrivateKey readPrivate(CommandSpec spec, @Nullable Path sealKey) throws IOException {
    return SealKeys.readPrivate(required(spec, sealKey));
  }

  /**
   * A sealer for the public half of {@code sealPrivate}. Sealing needs only the public half, but
   * taking it from the private key means what is sealed opens with the key the replicas actually
   * hold.
   */
  static Sealer sealerFor(PrivateKey sealPrivate) {
    return new Sealer(SealKeys.publicKeyOf(sealPrivate));
  }
}
