package io.meshgate.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.testkit.DnsServerDouble;
import io.meshgate.testkit.DnsServerDouble.Rcode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DnsResolverTest {
  private final DnsServerDouble dns = DnsServerDouble.create();
  private final DnsResolver resolver =
      new DnsResolver(List.of(dns.address())).withTimeout(Duration.ofMillis(300));

  @AfterEach
  void stop() {
    dns.close();
  }

  @Test
  void aAndAaaaRecordsGiveEveryAddressWithTheSmallestTtl() throws IOException {
    // given
    dns.put("web.test", Duration.ofSeconds(30), ip("10.0.0.1"), ip("10.0.0.2"), ip("fd00::1"));

    // when
    DnsResolver.Answer answer = resolver.resolve("Web.Test.");

    // then
    assertThat(answer.addresses()).containsExactly(ip("10.0.0.1"), ip("10.0.0.2"), ip("fd00::1"));
    assertThat(answer.ttl()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void cnameChainIsFollowedAndItsTtlsCount() throws IOException {
    // given
    dns.put("web.test", Duration.ofSeconds(30), ip("10.0.0.1"));
    dns.cname("edge.test", "web.test", Duration.ofSeconds(20));
    dns.cname("www.test", "edge.test", Duration.ofSeconds(10));

    // when
    DnsResolver.Answer answer = resolver.resolve("www.test");

    // then
    assertThat(answer.addresses()).containsExactly(ip("10.0.0.1"));
    assertThat(answer.ttl()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void nxdomainIsEmptyWithTheSoaMinimumAsNegativeTtl() throws IOException {
    // given
    dns.negativeTtl(Duration.ofSeconds(17));

    // when
    DnsResolver.Answer answer = resolver.resolve("nowhere.test");

    // then
    assertThat(answer.addresses()).isEmpty();
    assertThat(answer.ttl()).isEqualTo(Duration.ofSeconds(17));
    assertThat(dns.queryCount()).as("no AAAA after NXDOMAIN").isEqualTo(1);
  }

  @Test
  void servfailIsAnExceptionNamingTheServer() {
    // given
    dns.put("web.test", Duration.ofSeconds(30), ip("10.0.0.1"));
    dns.failNext(Rcode.SERVFAIL, 1);

    // when / then
    assertThatThrownBy(() -> resolver.resolve("web.test"))
        .isInstanceOf(DnsResolver.LookupException.class)
        .hasMessage("dns lookup of web.test A failed: " + server(dns) + " SERVFAIL");
  }

  @Test
  void refusedMovesOnToTheNextServer() throws IOException {
    // given
    try (DnsServerDouble second = DnsServerDouble.create()) {
      dns.failNext(Rcode.REFUSED, 5);
      second.put("web.test", Duration.ofSeconds(30), ip("10.0.0.9"));
      DnsResolver both = new DnsResolver(List.of(dns.address(), second.address()));

      // when
      DnsResolver.Answer answer = both.resolve("web.test");

      // then
      assertThat(answer.addresses()).containsExactly(ip("10.0.0.9"));
    }
  }

  @Test
  void oneDroppedQueryIsRetried() throws IOException {
    // given
    dns.put("web.test", Duration.ofSeconds(30), ip("10.0.0.1"));
    dns.dropNext(1);

    // when
    DnsResolver.Answer answer = resolver.resolve("web.test");

    // then
    assertThat(answer.addresses()).containsExactly(ip("10.0.0.1"));
    assertThat(dns.queryCount()).as("A dropped, A again, AAAA").isEqualTo(3);
  }

  @Test
  void twoDroppedQueriesAreATimeoutNamingTheServer() {
    // given
    dns.put("web.test", Duration.ofSeconds(30), ip("10.0.0.1"));
    dns.dropNext(2);

    // when / then
    String timedOut = server(dns) + " timed out after 300 ms";
    assertThatThrownBy(() -> resolver.resolve("web.test"))
        .isInstanceOf(DnsResolver.LookupException.class)
        .hasMessage("dns lookup of web.test A failed: " + timedOut + "; " + timedOut);
  }

  @Test
  void truncatedUdpAnswerIsAskedAgainOverTcp() throws IOException {
    // given
    dns.put("web.test", Duration.ofSeconds(30), ip("10.0.0.1"), ip("fd00::1"));
    dns.truncateUdp(true);

    // when
    DnsResolver.Answer answer = resolver.resolve("web.test");

    // then
    assertThat(answer.addresses()).containsExactly(ip("10.0.0.1"), ip("fd00::1"));
    assertThat(dns.queryCount()).as("A and AAAA, each over UDP then TCP").isEqualTo(4);
  }

  @Test
  void compressionPointerToItselfIsRefused() {
    // given: the question's name is a pointer to its own offset
    byte[] message = bytes(header(1, 0), 0xC0, 12, 0, 1, 0, 1);

    // when / then
    assertThatThrownBy(() -> DnsResolver.parse(message, message.length))
        .isInstanceOf(DnsResolver.MalformedMessageException.class)
        .hasMessageContaining("compression pointer at octet 12 to 12");
  }

  @Test
  void compressionPointersInACircleAreRefused() {
    // given: a name at 12 is label "a" then a pointer to 14, which points back to 12
    byte[] message = bytes(header(1, 0), 1, 'a', 0xC0, 12, 0, 1, 0, 1);

    // when / then
    assertThatThrownBy(() -> DnsResolver.parse(message, message.length))
        .isInstanceOf(DnsResolver.MalformedMessageException.class)
        .hasMessageContaining("compression pointer");
  }

  @Test
  void nameLongerThan255OctetsIsRefused() {
    // given: five labels of 63 octets
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header(1, 0));
    for (int i = 0; i < 5; i++) {
      out.write(63);
      out.writeBytes("x".repeat(63).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    out.writeBytes(new byte[] {0, 0, 1, 0, 1});
    byte[] message = out.toByteArray();

    // when / then
    assertThatThrownBy(() -> DnsResolver.parse(message, message.length))
        .isInstanceOf(DnsResolver.MalformedMessageException.class)
        .hasMessageContaining("longer than 255");
  }

  @Test
  void atMostOneHundredRecordsAreRead() throws IOException {
    // given: 150 A records for the question's name
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header(1, 150));
    out.writeBytes(new byte[] {1, 'a', 0, 0, 1, 0, 1});
    for (int i = 0; i < 150; i++) {
      out.writeBytes(bytes(new byte[0], 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, i));
    }
    byte[] message = out.toByteArray();

    // when
    DnsResolver.Message parsed = DnsResolver.parse(message, message.length);

    // then
    assertThat(parsed.answers()).hasSize(100);
    assertThat(parsed.questionName()).isEqualTo("a");
  }

  @Test
  void ttlWithTheTopBitSetCountsAsZero() throws IOException {
    // given: RFC 2181 §8
    byte[] message =
        bytes(
            header(1, 1),
            1,
            'a',
            0,
            0,
            1,
            0,
            1,
            0xC0,
            12,
            0,
            1,
            0,
            1,
            0x80,
            0,
            0,
            0,
            0,
            4,
            1,
            2,
            3,
            4);

    // when
    DnsResolver.Message parsed = DnsResolver.parse(message, message.length);

    // then
    assertThat(parsed.answers().get(0).ttl()).isZero();
  }

  @Test
  void resolvConfNameserversAreReadWithPort53(@TempDir Path dir) throws IOException {
    // given
    Path conf = dir.resolve("resolv.conf");
    Files.writeString(
        conf,
        """
        # written by hand
        search example.test
        nameserver 10.0.0.2
        nameserver fd00::53
        nameserver dns.example.test
        options ndots:5
        """);

    // when
    DnsResolver fromFile = DnsResolver.fromResolvConf(conf);

    // then
    assertThat(fromFile.servers())
        .containsExactly(
            new InetSocketAddress(ip("10.0.0.2"), 53), new InetSocketAddress(ip("fd00::53"), 53));
  }

  @Test
  void serverListSettingTakesIpv4AndBracketedIpv6WithPorts() {
    // when
    DnsResolver fromSetting = DnsResolver.fromServerList("127.0.0.1:5353, [::1]:53,10.0.0.2");

    // then
    assertThat(fromSetting.servers())
        .containsExactly(
            new InetSocketAddress(ip("127.0.0.1"), 5353),
            new InetSocketAddress(ip("::1"), 53),
            new InetSocketAddress(ip("10.0.0.2"), 53));
    assertThatThrownBy(() -> DnsResolver.fromServerList("dns.example.test:53"))
        .hasMessageContaining("expected: an IP address");
  }

  private static byte[] header(int qdcount, int ancount) {
    return new byte[] {
      0x12, 0x34, (byte) 0x81, (byte) 0x80, 0, (byte) qdcount, 0, (byte) ancount, 0, 0, 0, 0
    };
  }

  private static byte[] bytes(byte[] prefix, int... rest) {
    byte[] out = new byte[prefix.length + rest.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    for (int i = 0; i < rest.length; i++) {
      out[prefix.length + i] = (byte) rest[i];
    }
    return out;
  }

  private static String server(DnsServerDouble dns) {
    return "127.0.0.1:" + dns.address().getPort();
  }

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
