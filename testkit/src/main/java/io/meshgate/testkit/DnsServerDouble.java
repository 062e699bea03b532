package io.meshgate.testkit;

import static java.util.Objects.requireNonNull;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * An in-process authoritative DNS server on 127.0.0.1, UDP and TCP on the same port, answering A,
 * AAAA and CNAME questions from a table the test sets ({@link #put}, {@link #cname}, {@link
 * #remove}). Levers: {@link #failNext} (SERVFAIL or REFUSED), {@link #dropNext} (no answer: the
 * client times out), {@link #truncateUdp} (every UDP answer has TC set and no records, so the
 * client must ask over TCP), {@link #stop}/{@link #start} on the same port.
 *
 * <p>Follows RFC 1035 §4 (message format; TCP messages with a two-octet length prefix), RFC 3596
 * (AAAA), RFC 2308 (NXDOMAIN and NODATA carry a SOA in the authority section whose TTL and MINIMUM
 * are the {@link #negativeTtl}). Answers are authoritative (AA), copy RD, never set RA. Owner names
 * equal to the question are written as a compression pointer to it, so clients meet pointers.
 *
 * <p>Not implemented: other record types (NODATA), EDNS0 (OPT records are ignored), zones and
 * delegation (one SOA, owned by the root, for every name), wildcards, more than one question
 * (FORMERR), opcodes other than QUERY (NOTIMP).
 */
public final class DnsServerDouble implements AutoCloseable {
  /** Failure answers {@link #failNext} can give. */
  public enum Rcode {
    SERVFAIL(2),
    REFUSED(5);

    final int code;

    Rcode(int code) {
      this.code = code;
    }
  }

  private static final int TYPE_A = 1;
  private static final int TYPE_CNAME = 5;
  private static final int TYPE_SOA = 6;
  private static final int TYPE_AAAA = 28;
  private static final int CLASS_IN = 1;

  private record Addresses(Duration ttl, List<InetAddress> addresses) {}

  private record Alias(String target, Duration ttl) {}

  private final Object lock = new Object();
  private final Map<String, Addresses> addresses = new HashMap<>();
  private final Map<String, Alias> aliases = new HashMap<>();
  private Duration negativeTtl = Duration.ofSeconds(60);
  private @Nullable Rcode failWith;
  private int failTimes;
  private int dropTimes;
  private boolean truncateUdp;
  private final AtomicInteger queries = new AtomicInteger();

  private int port;
  private @Nullable DatagramSocket udp;
  private @Nullable ServerSocket tcp;
  private final List<Thread> threads = new ArrayList<>();

  private DnsServerDouble() {}

  /** A server on a free port, started. */
  public static DnsServerDouble create() {
    DnsServerDouble server = new DnsServerDouble();
    server.start();
    return server;
  }

  /** Where to send queries: 127.0.0.1 and the port, which stays the same across stop and start. */
  public InetSocketAddress address() {
    synchronized (lock) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
  }

  /** {@code name} answers A for the IPv4 and AAAA for the IPv6 addresses; replaces what it had. */
  public DnsServerDouble put(String name, Duration ttl, InetAddress... addresses) {
    requireNonNull(ttl, "ttl");
    synchronized (lock) {
      String key = canonical(name);
      aliases.remove(key);
      this.addresses.put(key, new Addresses(ttl, List.of(addresses)));
    }
    return this;
  }

  /** {@code alias} is a CNAME for {@code target}; replaces what the alias had. */
  public DnsServerDouble cname(String alias, String target, Duration ttl) {
    requireNonNull(ttl, "ttl");
    synchronized (lock) {
      String key = canonical(alias);
      addresses.remove(key);
      aliases.put(key, new Alias(canonical(target), ttl));
    }
    return this;
  }

  /** {@code name} no longer exists: NXDOMAIN. */
  public DnsServerDouble remove(String name) {
    synchronized (lock) {
      String key = canonical(name);
      addresses.remove(key);
      aliases.remove(key);
    }
    return this;
  }

  /** The SOA's TTL and MINIMUM in negative answers (default 60 s). */
  public DnsServerDouble negativeTtl(Duration ttl) {
    synchronized (lock) {
      negativeTtl = requireNonNull(ttl, "ttl");
    }
    return this;
  }

  /** The next {@code times} queries are answered with {@code rcode} and nothing else. */
  public DnsServerDouble failNext(Rcode rcode, int times) {
    synchronized (lock) {
      failWith = requireNonNull(rcode, "rcode");
      failTimes = times;
    }
    return this;
  }

  /** The next {@code times} queries get no answer (over TCP: the connection is closed). */
  public DnsServerDouble dropNext(int times) {
    synchronized (lock) {
      dropTimes = times;
    }
    return this;
  }

  /** While on, UDP answers carry only the header with TC and the question. */
  public DnsServerDouble truncateUdp(boolean on) {
    synchronized (lock) {
      truncateUdp = on;
    }
    return this;
  }

  /** Queries received so far, over UDP and TCP, dropped and failed ones included. */
  public int queryCount() {
    return queries.get();
  }

  /** Listens again, on the port it had (a free one the first time). */
  public void start() {
    synchronized (lock) {
      if (udp != null) {
        return;
      }
      IOException last = null;
      for (int attempt = 0; attempt < 20; attempt++) {
        ServerSocket tcpSocket = null;
        try {
          tcpSocket = new ServerSocket();
          tcpSocket.setReuseAddress(true);
          tcpSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
          DatagramSocket udpSocket =
              new DatagramSocket(
                  new InetSocketAddress(
                      InetAddress.getLoopbackAddress(), tcpSocket.getLocalPort()));
          port = tcpSocket.getLocalPort();
          tcp = tcpSocket;
          udp = udpSocket;
          threads.add(daemon("dns-double-udp-" + port, () -> serveUdp(udpSocket)));
          ServerSocket listening = tcpSocket;
          threads.add(daemon("dns-double-tcp-" + port, () -> serveTcp(listening)));
          return;
        } catch (IOException e) {
          last = e;
          closeQuietly(tcpSocket);
          if (port != 0 && !(e instanceof BindException)) {
            break;
          }
          pauseBeforeRebind();
        }
      }
      throw new UncheckedIOException("could not listen on 127.0.0.1:" + port, last);
    }
  }

  private void pauseBeforeRebind() {
    if (port != 0) {
      try {
        Thread.sleep(100); // the old sockets may take a moment to let the port go
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops listening; queries then go unanswered (UDP) or are refused (TCP). */
  public void stop() {
    List<Thread> toJoin;
    synchronized (lock) {
      closeQuietly(udp);
      closeQuietly(tcp);
      udp = null;
      tcp = null;
      toJoin = new ArrayList<>(threads);
      threads.clear();
    }
    for (Thread thread : toJoin) {
      try {
        thread.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static Thread daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static void closeQuietly(@Nullable AutoCloseable closeable) {
    if (closeable != null) {
      try {
        closeable.close();
      } catch (Exception ignored) {
        // closing a socket: nothing to do about a failure
      }
    }
  }

  private void serveUdp(DatagramSocket socket) {
    byte[] buffer = new byte[65_535];
    while (!socket.isClosed()) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
        byte[] reply = answer(buffer, packet.getLength(), true);
        if (reply != null) {
          socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
        }
      } catch (SocketException closed) {
        return;
      } catch (IOException e) {
        // one bad exchange; keep serving
      }
    }
  }

  private void serveTcp(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        daemon("dns-double-tcp-conn", () -> serveConnection(socket));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serveConnection(Socket socket) {
    try (socket) {
      socket.setSoTimeout(10_000);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      while (true) {
        int length;
        try {
          length = in.readUnsignedShort();
        } catch (EOFException done) {
          return;
        }
        byte[] query = new byte[length];
        in.readFully(query);
        byte[] reply = answer(query, length, false);
        if (reply == null) {
          return; // dropped: close without an answer
        }
        out.writeShort(reply.length);
        out.write(reply);
        out.flush();
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /** The reply to one query, or null to send nothing. */
  private byte @Nullable [] answer(byte[] query, int length, boolean overUdp) {
    if (length < 12) {
      return null; // not even a header: real servers drop these too
    }
    queries.incrementAndGet();
    ByteBuffer in = ByteBuffer.wrap(query, 0, length);
    int id = Short.toUnsignedInt(in.getShort());
    int flags = Short.toUnsignedInt(in.getShort());
    int qdcount = Short.toUnsignedInt(in.getShort());
    boolean rd = (flags & 0x0100) != 0;
    int opcode = (flags >> 11) & 0xF;
    if ((flags & 0x8000) != 0) {
      return null; // a response, not a query
    }
    Reply reply = new Reply(id, rd);
    if (opcode != 0) {
      return reply.header(4, false, 0).bytes();
    }
    if (qdcount != 1) {
      return reply.header(1, false, 0).bytes();
    }
    in.position(12);
    String qname;
    int qtype;
    int qclass;
    int questionEnd;
    try {
      qname = readName(in);
      qtype = Short.toUnsignedInt(in.getShort());
      qclass = Short.toUnsignedInt(in.getShort());
      questionEnd = in.position();
    } catch (RuntimeException malformed) {
      return reply.header(1, false, 0).bytes();
    }
    byte[] question = new byte[questionEnd - 12];
    System.arraycopy(query, 12, question, 0, question.length);

    List<byte[]> answers = new ArrayList<>();
    List<byte[]> authority = new ArrayList<>();
    int rcode;
    synchronized (lock) {
      if (dropTimes > 0) {
        dropTimes--;
        return null;
      }
      if (failTimes > 0 && failWith != null) {
        failTimes--;
        return reply.header(failWith.code, false, 0).question(question).bytes();
      }
      if (overUdp && truncateUdp) {
        return reply.header(0, true, 0).question(question).bytes();
      }
      // Follow the table's CNAMEs as an authoritative server does (RFC 1034 §4.3.2); the RCODE is
      // about the name at the end of the chain.
      String current = qname;
      for (int hops = 0; hops < 16 && qclass == CLASS_IN && qtype != TYPE_CNAME; hops++) {
        Alias alias = aliases.get(current);
        if (alias == null) {
          break;
        }
        answers.add(record(current, qname, TYPE_CNAME, alias.ttl(), encodeName(alias.target())));
        current = alias.target();
      }
      int matching = 0;
      Alias asked = aliases.get(current);
      if (qtype == TYPE_CNAME && asked != null) {
        answers.add(record(current, qname, TYPE_CNAME, asked.ttl(), encodeName(asked.target())));
        matching++;
      }
      Addresses found = addresses.get(current);
      if (found != null) {
        for (InetAddress address : found.addresses()) {
          int type = address instanceof Inet4Address ? TYPE_A : TYPE_AAAA;
          if (type == qtype) {
            answers.add(record(current, qname, type, found.ttl(), address.getAddress()));
            matching++;
          }
        }
      }
      boolean exists = found != null || asked != null;
      rcode = exists ? 0 : 3;
      if (matching == 0) {
        authority.add(soa(negativeTtl)); // NXDOMAIN or NODATA
      }
    }
    reply.header(rcode, false, answers.size()).question(question);
    answers.forEach(reply::raw);
    reply.authority(authority);
    byte[] bytes = reply.bytes();
    if (overUdp && bytes.length > 512) {
      return new Reply(id, rd).header(rcode, true, 0).question(question).bytes();
    }
    return bytes;
  }

  /** Builds one reply message. */
  private static final class Reply {
    private final int id;
    private final boolean rd;
    private final ByteBuffer out = ByteBuffer.allocate(65_535);
    private int authorityCountAt;

    Reply(int id, boolean rd) {
      this.id = id;
      this.rd = rd;
    }

    Reply header(int rcode, boolean truncated, int answerCount) {
      int flags = 0x8000 | 0x0400 | rcode; // QR, AA
      if (truncated) {
        flags |= 0x0200;
      }
      if (rd) {
        flags |= 0x0100;
      }
      out.putShort((short) id).putShort((short) flags);
      out.putShort((short) 0); // QDCOUNT, set by question()
      out.putShort((short) answerCount);
      authorityCountAt = out.position();
      out.putShort((short) 0).putShort((short) 0);
      return this;
    }

    Reply question(byte[] question) {
      out.putShort(4, (short) 1);
      out.put(question);
      return this;
    }

    void raw(byte[] record) {
      out.put(record);
    }

    void authority(List<byte[]> records) {
      out.putShort(authorityCountAt, (short) records.size());
      records.forEach(out::put);
    }

    byte[] bytes() {
      byte[] bytes = new byte[out.position()];
      System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
      return bytes;
    }
  }

  /** A record; an owner equal to the question is a pointer to offset 12 (RFC 1035 §4.1.4). */
  private static byte[] record(String owner, String qname, int type, Duration ttl, byte[] data) {
    ByteBuffer out = ByteBuffer.allocate(300 + data.length);
    if (owner.equals(qname)) {
      out.putShort((short) 0xC00C);
    } else {
      out.put(encodeName(owner));
    }
    out.putShort((short) type).putShort((short) CLASS_IN);
    out.putInt((int) Math.min(ttl.toSeconds(), Integer.MAX_VALUE));
    out.putShort((short) data.length).put(data);
    byte[] bytes = new byte[out.position()];
    System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
    return bytes;
  }

  /** RFC 2308 §3: the SOA in a negative answer, its TTL the negative TTL, as is MINIMUM. */
  private static byte[] soa(Duration negativeTtl) {
    int seconds = (int) Math.min(negativeTtl.toSeconds(), Integer.MAX_VALUE);
    ByteBuffer data = ByteBuffer.allocate(600);
    data.put(encodeName("ns.double.test")).put(encodeName("hostmaster.double.test"));
    data.putInt(1).putInt(3600).putInt(600).putInt(86400).putInt(seconds);
    byte[] rdata = new byte[data.position()];
    System.arraycopy(data.array(), 0, rdata, 0, rdata.length);
    return record("", "\0", TYPE_SOA, negativeTtl, rdata);
  }

  private static byte[] encodeName(String name) {
    ByteBuffer out = ByteBuffer.allocate(256);
    if (!name.isEmpty()) {
      for (String label : name.split("\\.")) {
        byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
        out.put((byte) bytes.length).put(bytes);
      }
    }
    out.put((byte) 0);
    byte[] bytes = new byte[out.position()];
    System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
    return bytes;
  }

  /** A question name: clients send it uncompressed (RFC 1035 §4.1.4 allows no earlier name). */
  private static String readName(ByteBuffer in) {
    StringBuilder name = new StringBuilder();
    while (true) {
      int len = Byte.toUnsignedInt(in.get());
      if (len == 0) {
        return name.toString().toLowerCase(Locale.ROOT);
      }
      if (len > 63 || name.length() + len > 255) {
        throw new IllegalArgumentException("label of " + len + " octets");
      }
      byte[] label = new byte[len];
      in.get(label);
      if (name.length() > 0) {
        name.append('.');
      }
      name.append(new String(label, StandardCharsets.US_ASCII));
    }
  }

  private static String canonical(String name) {
    requireNonNull(name, "name");
    String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return trimmed.toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return "DnsServerDouble[" + address() + "]";
  }
}
