package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdentityCommandTest {
  @Test
  void aCredentialWithoutTlsIsAUsageError() {
    CliRun run =
        CliRun.run("identity", "--out", "/tmp/identity", "--token-file", "/tmp/orders.token");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("credentials are only sent over TLS");
  }

  @Test
  void theOutputDirectoryIsRequired() {
    assertThat(CliRun.run("identity", "--once").exit()).isEqualTo(2);
  }
}
