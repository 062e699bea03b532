package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.security.ProxyCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ca init and cert issue: the control plane's CA and the certificates it issues, as files. */
class PkiCommandsTest {
  @TempDir Path dir;

  @Test
  void caInitThenCertIssueWritesTheFilesAndNoKeyMaterial() throws Exception {
    // given
    Path ca = dir.resolve("ca");
    Path edge = dir.resolve("edge");

    // when
    CliRun init = CliRun.run("ca", "init", "--out", ca.toString());
    CliRun issue =
        CliRun.run(
            "cert",
            "issue",
            "--ca",
            ca.toString(),
            "--group",
            "gateway/default/edge",
            "--out",
            edge.toString(),
            "--ttl",
            "24h");

    // then
    assertThat(init.exit()).as(init.err()).isZero();
    assertThat(init.out())
        .contains("wrote " + ca.resolve("ca.crt") + " and " + ca.resolve("ca.key"))
        .doesNotContain("BEGIN");
    assertThat(issue.exit()).as(issue.err()).isZero();
    assertThat(issue.out())
        .contains(edge.resolve("tls.crt").toString())
        .contains(edge.resolve("tls.key").toString())
        .contains("client certificate for spiffe://meshgate/group/gateway/default/edge")
        .doesNotContain("BEGIN");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.resolve("ca.key"))))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(edge.resolve("tls.key"))))
        .isEqualTo("rw-------");

    List<X509Certificate> chain = ProxyCa.readCertificates(edge.resolve("tls.crt"));
    X509Certificate caCert = ProxyCa.readCertificates(ca.resolve("ca.crt")).get(0);
    assertThat(chain).hasSize(2).endsWith(caCert);
    chain.get(0).verify(caCert.getPublicKey());
    assertThat(ProxyCa.groupOf(chain.get(0))).contains("gateway/default/edge");
    assertThat(Duration.between(Instant.now(), chain.get(0).getNotAfter().toInstant()))
        .isBetween(Duration.ofHours(23), Duration.ofHours(24));
    assertThat(ProxyCa.readCertificates(edge.resolve("ca.crt"))).containsExactly(caCert);
  }

  @Test
  void certIssueServerWritesACertificateForItsNames() throws Exception {
    // given
    Path ca = dir.resolve("ca");
    CliRun.run("ca", "init", "--out", ca.toString());

    // when
    CliRun issue =
        CliRun.run(
            "cert",
            "issue",
            "--ca",
            ca.toString(),
            "--server",
            "--dns",
            "xds.internal,localhost",
            "--ip",
            "10.0.0.7",
            "--out",
            dir.resolve("xds").toString());

    // then
    assertThat(issue.exit()).as(issue.err()).isZero();
    assertThat(issue.out()).contains("server certificate for xds.internal, localhost, 10.0.0.7");
    X509Certificate leaf = ProxyCa.readCertificates(dir.resolve("xds/tls.crt")).get(0);
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactly(
            List.of(2, "xds.internal"), List.of(2, "localhost"), List.of(7, "10.0.0.7"));
    assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
  }

  @Test
  void secondCaInitExitsOneNamingTheFileAndKeepsTheCa() throws Exception {
    // given
    Path ca = dir.resolve("ca");
    CliRun.run("ca", "init", "--out", ca.toString());
    byte[] key = Files.readAllBytes(ca.resolve("ca.key"));

    // when
    CliRun again = CliRun.run("ca", "init", "--out", ca.toString());

    // then
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains(ca.resolve("ca.key").toString()).contains("refusing");
    assertThat(Files.readAllBytes(ca.resolve("ca.key"))).isEqualTo(key);
  }

  @Test
  void certIssueIntoAnExistingCertificateExitsOne() throws Exception {
    Path ca = dir.resolve("ca");
    CliRun.run("ca", "init", "--out", ca.toString());
    String[] args = {
      "cert",
      "issue",
      "--ca",
      ca.toString(),
      "--group",
      "proxyless",
      "--out",
      dir.resolve("p").toString()
    };
    CliRun.run(args);

    CliRun again = CliRun.run(args);

    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains(dir.resolve("p/tls.key").toString());
  }

  @Test
  void certIssueNeedsExactlyOneOfGroupAndServer() throws Exception {
    Path ca = dir.resolve("ca");
    CliRun.run("ca", "init", "--out", ca.toString());
    String out = dir.resolve("out").toString();

    CliRun neither = CliRun.run("cert", "issue", "--ca", ca.toString(), "--out", out);
    CliRun both =
        CliRun.run(
            "cert",
            "issue",
            "--ca",
            ca.toString(),
            "--group",
            "proxyless",
            "--server",
            "--dns",
            "xds",
            "--out",
            out);
    CliRun serverWithoutNames =
        CliRun.run("cert", "issue", "--ca", ca.toString(), "--server", "--out", out);
    CliRun badGroup =
        CliRun.run("cert", "issue", "--ca", ca.toString(), "--group", "/edge", "--out", out);
    CliRun badTtl =
        CliRun.run(
            "cert",
            "issue",
            "--ca",
            ca.toString(),
            "--group",
            "proxyless",
            "--ttl",
            "soon",
            "--out",
            out);

    assertThat(neither.exit()).isEqualTo(2);
    assertThat(neither.err()).contains("exactly one of --group GROUP or --server");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(serverWithoutNames.exit()).isEqualTo(2);
    assertThat(serverWithoutNames.err()).contains("at least one --dns NAME or --ip IP");
    assertThat(badGroup.exit()).isEqualTo(2);
    assertThat(badGroup.err()).contains("--group: group: '/edge'");
    assertThat(badTtl.exit()).isEqualTo(2);
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void caNeedsASubcommand() {
    CliRun run = CliRun.run("ca");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("a subcommand is required: init");
  }

  @Test
  void aTokenLongerLivedThanTheMaximumIsRefusedBeforeAnythingIsRead() {
    CliRun longer =
        CliRun.run("token", "create", "--group", "gateway/default/edge", "--ttl", "48h");
    CliRun raised =
        CliRun.run(
            "token",
            "create",
            "--group",
            "gateway/default/edge",
            "--ttl",
            "48h",
            "--max-ttl",
            "12h");

    assertThat(longer.exit()).isEqualTo(2);
    assertThat(longer.err())
        .contains(
            "--ttl PT48H is longer than the maximum PT24H (--max-ttl, MESHGATE_TOKEN_MAX_TTL): the"
                + " nodes refuse longer tokens");
    assertThat(raised.exit()).isEqualTo(2);
    assertThat(raised.err()).contains("the maximum PT12H");
  }
}
