package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.meshgate.edge.transform.TransformConfig;
import io.meshgate.edge.transform.TransformServer;
import io.meshgate.edge.transform.TransformService;
import io.meshgate.xds.edge.TransformConfigs;
import io.meshgate.xds.pipeline.Pipeline;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * meshgate's body transformation service ({@code edge.transform}) inside {@code meshgate node}:
 * started when {@code MESHGATE_EXTPROC=on} or {@code MESHGATE_EXTPROC_ADDR} is set, fed after each
 * build with the transformations of the resolved IR ({@link TransformConfigs}, the one place that
 * derives them, from the same IR Envoy's ext_proc config is translated from), stopped with the
 * node.
 *
 * <p>Threading: the pipeline's thread swaps the config (an atomic reference); gRPC threads read it
 * when a stream opens.
 */
public final class BodyTransformation implements AutoCloseable {
  public static final String ENABLED_ENV = "MESHGATE_EXTPROC";

  private static final Logger log = LoggerFactory.getLogger(BodyTransformation.class);

  private final TransformServer server;
  private final AtomicReference<TransformConfig> config;

  private BodyTransformation(TransformServer server, AtomicReference<TransformConfig> config) {
    this.server = server;
    this.config = config;
  }

  /**
   * Where to serve, from the environment: {@code MESHGATE_EXTPROC_ADDR} (which turns the service
   * on), else {@code MESHGATE_EXTPROC=on} at the default {@value TransformServer#DEFAULT_ADDRESS};
   * empty: off.
   */
  public static Optional<InetSocketAddress> addressFromEnvironment(Map<String, String> env) {
    String address = env.get(TransformServer.ADDRESS_ENV);
    if (address != null && !address.isBlank()) {
      return Optional.of(TransformServer.parseAddress(address.trim()));
    }
    String enabled = env.getOrDefault(ENABLED_ENV, "off").trim().toLowerCase(Locale.ROOT);
    switch (enabled) {
      case "on", "true", "1":
        return Optional.of(TransformServer.parseAddress(TransformServer.DEFAULT_ADDRESS));
      case "off", "false", "0", "":
        return Optional.empty();
      default:
        throw new IllegalArgumentException(
            ENABLED_ENV + ": '" + enabled + "' (expected: on or off)");
    }
  }

  /** Serves on {@code address} and follows {@code pipeline}'s builds. */
  public static BodyTransformation start(InetSocketAddress address, Pipeline pipeline) {
    requireNonNull(pipeline, "pipeline");
    AtomicReference<TransformConfig> config = new AtomicReference<>(TransformConfig.EMPTY);
    TransformServer server = TransformServer.start(address, new TransformService(config::get));
    pipeline.onBuilt(
        (snapshot, resolved, discovered) -> {
          TransformConfig next = TransformConfigs.of(resolved);
          if (!next.equals(config.getAndSet(next))) {
            log.info("body transformations: {}", next);
          }
        });
    log.info("body transformation service on {}:{}", address.getHostString(), server.port());
    return new BodyTransformation(server, config);
  }

  /** The transformations served now. */
  TransformConfig current() {
    return config.get();
  }

  /** The port it listens on. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }

  /** Whether the service has stopped (its port closed). */
  boolean stopped() {
    return server.terminated();
  }
}
