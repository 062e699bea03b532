package io.meshgate.xds.cli;

import io.etcd.jetcd.Client;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.xds.security.SigningKey;
import io.meshgate.xds.security.TokenIssuer;
import io.meshgate.xds.security.TokenKey;
import io.meshgate.xds.security.TokenKeys;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshgate token create --group G} and {@code meshgate token rotate-key}: proxy tokens, the
 * alternative to client certificates (docs/security.md, "Proxy tokens").
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = "Creates proxy tokens and manages the keys that sign them.",
    subcommands = {TokenCommand.Create.class, TokenCommand.RotateKey.class})
final class TokenCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: create, rotate-key");
  }

  /** Options both subcommands share. */
  static final class KeyOptions {
    @Option(
        names = "--seal-key",
        descriptionKey = "seal-key",
        description =
            "The cluster's private sealing key (seal.key), to open the signing key (env"
                + " MESHGATE_SEAL_KEY).")
    @Nullable Path sealKey;

    @CommandLine.Mixin EtcdOptions etcd;

    Client etcdClient() {
      return etcd.client();
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Prints a signed token for a proxy group on standard output, and nothing else. Proxies send"
            + " it as 'authorization: Bearer <token>' on their ADS stream. Signing needs the"
            + " private sealing key; the first call creates the signing key in etcd ("
            + "/meshgate/v1/tokens/keys/<kid>)."
      })
  static final class Create implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin KeyOptions keys;

    @Option(
        names = "--group",
        required = true,
        description = "The proxy group the token grants, e.g. gateway/default/edge.")
    String group;

    @Option(
        names = "--node-id-prefix",
        description = "Only proxies whose node id starts with this may use the token.")
    @Nullable String nodeIdPrefix;

    @Option(
        names = "--ttl",
        defaultValue = "24h",
        converter = DurationConverter.class,
        description = "How long the token is valid (default ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(
        names = "--max-ttl",
        descriptionKey = "token-max-ttl",
        defaultValue = "24h",
        converter = DurationConverter.class,
        description =
            "The longest --ttl allowed, as the nodes' setting: they refuse longer tokens (env MESHGATE_TOKEN_MAX_TTL; default ${DEFAULT-VALUE}).")
    Duration maxTtl;

    @Override
    public Integer call() throws Exception {
      if (ttl.compareTo(maxTtl) > 0) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--ttl "
                + ttl
                + " is longer than the maximum "
                + maxTtl
                + " (--max-ttl, MESHGATE_TOKEN_MAX_TTL): the nodes refuse longer tokens");
      }
      PrivateKey sealPrivate = SealKeyFile.readPrivate(spec, keys.sealKey);
      // With the retired sealing keys beside it: signing keys sealed before a rotation still open.
      Unsealer unsealer = Unsealer.readKeyFile(keys.sealKey);
      PrintWriter err = spec.commandLine().getErr();
      String token;
      try (Client client = keys.etcdClient()) {
        TokenKeys tokenKeys = new TokenKeys(client, Clock.systemUTC());
        Optional<SigningKey> current = tokenKeys.currentSigningKey(unsealer);
        if (current.isEmpty()) {
          TokenKey created = tokenKeys.create(SealKeyFile.sealerFor(sealPrivate));
          err.println(
              "created the first token signing key kid="
                  + created.kid()
                  + " at "
                  + Keyspace.tokenKey(created.kid()));
          current = tokenKeys.currentSigningKey(unsealer);
        }
        SigningKey signingKey =
            current.orElseThrow(
                () -> new IllegalStateException("no token signing key in etcd after creating one"));
        token =
            new TokenIssuer(signingKey, Clock.systemUTC(), maxTtl)
                .create(group, Optional.ofNullable(nodeIdPrefix), ttl);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(token);
      out.flush();
      err.flush();
      return Meshgate.EXIT_OK;
    }
  }

  @Command(
      name = "rotate-key",
      mixinStandardHelpOptions = true,
      description = {
        "Adds a new token signing key that signs from now on. The previous keys are marked retired"
            + " and still verify the tokens they signed until those expire, unless revoked with"
            + " --revoke: a revoked key is deleted, its tokens are refused and the streams they"
            + " opened end within a second, on every replica."
      })
  static final class RotateKey implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin KeyOptions keys;

    @Option(
        names = "--revoke",
        paramLabel = "KID",
        description =
            "After rotating, delete this key (repeatable): its tokens are refused and the streams"
                + " they opened end within a second, on every replica.")
    List<String> revoke = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      // Sealed for the key the replicas and 'token create' actually hold (SealKeyFile.sealerFor).
      PrivateKey sealPrivate = SealKeyFile.readPrivate(spec, keys.sealKey);
      PrintWriter out = spec.commandLine().getOut();
      try (Client client = keys.etcdClient()) {
        TokenKeys tokenKeys = new TokenKeys(client, Clock.systemUTC());
        List<String> stored = tokenKeys.keys().stream().map(TokenKey::kid).toList();
        for (String kid : revoke) {
          // Checked before rotating, so that a mistyped kid changes nothing.
          if (!stored.contains(kid)) {
            throw new CommandLine.ParameterException(
                spec.commandLine(),
                "--revoke " + kid + ": no such token key (expected one of: " + stored + ")");
          }
        }
        TokenKey fresh = tokenKeys.rotate(SealKeyFile.sealerFor(sealPrivate));
        if (!revoke.isEmpty()) {
          tokenKeys.revoke(List.copyOf(new LinkedHashSet<>(revoke)), fresh.kid());
        }
        List<String> retired =
            tokenKeys.keys().stream().filter(TokenKey::isRetired).map(TokenKey::kid).toList();
        out.println("new signing key kid=" + fresh.kid() + " at " + Keyspace.tokenKey(fresh.kid()));
        if (!retired.isEmpty()) {
          out.println(
              "retired (still verify tokens until they expire): " + String.join(", ", retired));
        }
        if (!revoke.isEmpty()) {
          out.println(
              "revoked (deleted; their tokens are refused and their streams end within a second): "
                  + String.join(", ", new LinkedHashSet<>(revoke)));
        }
      }
      out.flush();
      return Meshgate.EXIT_OK;
    }
  }
}
