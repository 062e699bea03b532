package io.meshgate.xds.testing;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.xds.XdsCredentialsProvider;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * "tls" xDS channel credentials that read their files from the bootstrap's config, as gRFC A65
 * defines ({@code ca_certificate_file}, {@code certificate_file}, {@code private_key_file}).
 * grpc-java 1.85.1's own "tls" provider ignores that config (system trust store, no client
 * certificate), so tests provide this one, at a higher priority, through grpc's extension point
 * (META-INF/services/io.grpc.xds.XdsCredentialsProvider in the test resources).
 */
public final class FileTlsXdsCredentials extends XdsCredentialsProvider {
  @Override
  protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
    try {
      TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
      if (config != null && config.get("ca_certificate_file") != null) {
        tls.trustManager(new File((String) config.get("ca_certificate_file")));
      }
      if (config != null && config.get("certificate_file") != null) {
        tls.keyManager(
            new File((String) config.get("certificate_file")),
            new File((String) config.get("private_key_file")));
      }
      return tls.build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected String getName() {
    return "tls";
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int priority() {
    return 10;
  }
}
