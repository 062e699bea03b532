package io.meshgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The double checked with a query built by hand (testkit cannot use discovery's resolver); the
 * discovery module's DnsResolverTest and DnsWatchTest exercise the rest through a real client.
 */
class DnsServerDoubleTest {
  private final DnsServerDouble dns = DnsServerDouble.create();

  @AfterEach
  void stop() {
    dns.close();
  }

  @Test
  void answersAnAQuestionOverUdpWithTheTablesAddressAndTtl() throws IOException {
    // given
    dns.put("web.test", Duration.ofSeconds(42), InetAddress.getByName("10.0.0.7"));

    // when
    ByteBuffer reply = ask(0x1234, "web.test", 1);

    // then
    assertThat(Short.toUnsignedInt(reply.getShort(0))).isEqualTo(0x1234); // ID
    int flags = Short.toUnsignedInt(reply.getShort(2));
    assertThat(flags & 0x8000).as("QR").isNotZero();
    assertThat(flags & 0x0400).as("AA").isNotZero();
    assertThat(flags & 0x000F).as("RCODE").isZero();
    assertThat(Short.toUnsignedInt(reply.getShort(6))).as("ANCOUNT").isEqualTo(1);
    // The one answer ends the message: ... TTL(4) RDLENGTH(2) RDATA(4).
    int end = reply.limit();
    assertThat(reply.getInt(end - 10)).as("TTL").isEqualTo(42);
    assertThat(Short.toUnsignedInt(reply.getShort(end - 6))).as("RDLENGTH").isEqualTo(4);
    byte[] address = new byte[4];
    reply.get(end - 4, address);
    assertThat(InetAddress.getByAddress(address).getHostAddress()).isEqualTo("10.0.0.7");
    assertThat(dns.queryCount()).isEqualTo(1);
  }

  @Test
  void unknownNameIsNxdomainWithASoa() throws IOException {
    // when
    ByteBuffer reply = ask(7, "nowhere.test", 1);

    // then
    assertThat(reply.getShort(2) & 0x000F).as("RCODE").isEqualTo(3);
    assertThat(Short.toUnsignedInt(reply.getShort(6))).as("ANCOUNT").isZero();
    assertThat(Short.toUnsignedInt(reply.getShort(8))).as("NSCOUNT").isEqualTo(1);
  }

  private ByteBuffer ask(int id, String name, int type) throws IOException {
    ByteArrayOutputStream query = new ByteArrayOutputStream();
    query.write(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
    for (String label : name.split("\\.")) {
      query.write(label.length());
      query.write(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    query.write(new byte[] {0, 0, (byte) type, 0, 1});
    byte[] bytes = query.toByteArray();
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(5_000);
      socket.send(new DatagramPacket(bytes, bytes.length, dns.address()));
      byte[] buffer = new byte[512];
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      socket.receive(packet);
      return ByteBuffer.wrap(buffer, 0, packet.getLength()).slice();
    }
  }
}
