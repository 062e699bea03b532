package io.meshgate.discovery.dns;

import static java.util.Objects.requireNonNull;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal stub resolver for A and AAAA records that, unlike {@link InetAddress}, reports the
 * records' TTLs and caches nothing. It asks the configured nameservers in order over UDP (RFC 1035
 * §4.2.1), a fresh socket on a random port and a random id per query, with one retry per server on
 * a timeout; a truncated answer (TC) is asked again over TCP (RFC 1035 §4.2.2). An answer is taken
 * only when its id, QR bit and question match the query. CNAME chains inside the answer section are
 * followed (RFC 1034 §3.6.2). NXDOMAIN is an empty answer whose TTL is the negative TTL from the
 * authority section's SOA (RFC 2308 §5). SERVFAIL, REFUSED, other errors, malformed answers and
 * timeouts move on to the next server; when none answers, {@link #resolve} throws a {@link
 * LookupException} naming each server and why.
 *
 * <p>Everything read is bounded: a message is at most 65,535 octets, at most {@value #MAX_RECORDS}
 * records are read from one, names are at most 255 octets, and each compression pointer must land
 * before all of the name read so far, so a crafted message cannot loop the parser.
 *
 * <p>Thread-safe and stateless; a blocked lookup ends promptly when its thread is interrupted.
 */
public final class DnsResolver {
  private static final Logger log = LoggerFactory.getLogger(DnsResolver.class);

  /** How long one query waits for its answer, per try. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  static final int MAX_RECORDS = 100;
  static final int MAX_MESSAGE = 65_535;
  static final int MAX_NAME = 255;
  private static final int UDP_PAYLOAD = 512; // RFC 1035 §4.2.1; no EDNS0 is sent
  private static final int TRIES_PER_SERVER = 2;

  static final int TYPE_A = 1;
  static final int TYPE_CNAME = 5;
  static final int TYPE_SOA = 6;
  static final int TYPE_AAAA = 28;
  static final int CLASS_IN = 1;

  static final int RCODE_NOERROR = 0;
  static final int RCODE_NXDOMAIN = 3;

  /**
   * What a lookup found.
   *
   * @param addresses the A and AAAA addresses of the name (at the end of any CNAME chain), IPv4
   *     first, in the order the servers gave them; empty when the name does not exist or has none
   * @param ttl for addresses, the smallest TTL of the records they came from (CNAMEs included); for
   *     an empty answer, the negative TTL from the SOA (RFC 2308 §5), or zero when the server sent
   *     no SOA
   */
  public record Answer(List<InetAddress> addresses, Duration ttl) {
    public Answer {
      addresses = List.copyOf(addresses);
      requireNonNull(ttl, "ttl");
    }
  }

  /** No server gave a usable answer; the message names each server tried and why it failed. */
  public static final class LookupException extends IOException {
    private static final long serialVersionUID = 1L;

    LookupException(String message) {
      super(message);
    }
  }

  /** A message that breaks RFC 1035's format or this resolver's bounds. */
  static final class MalformedMessageException extends IOException {
    private static final long serialVersionUID = 1L;

    MalformedMessageException(String message) {
      super(message);
    }
  }

  private final List<InetSocketAddress> servers;
  private final Duration timeout;
  private final SecureRandom random = new SecureRandom();

  /** Asks {@code servers} in order, waiting {@link #DEFAULT_TIMEOUT} per try. */
  public DnsResolver(List<InetSocketAddress> servers) {
    this(servers, DEFAULT_TIMEOUT);
  }

  private DnsResolver(List<InetSocketAddress> servers, Duration timeout) {
    this.servers = List.copyOf(servers);
    if (this.servers.isEmpty()) {
      throw new IllegalArgumentException("servers: [] (expected: at least one nameserver)");
    }
    for (InetSocketAddress server : this.servers) {
      if (server.isUnresolved()) {
        throw new IllegalArgumentException("servers: " + server + " (expected: an IP address)");
      }
    }
    this.timeout = requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
    }
  }

  /** The same servers, waiting {@code timeout} per try. */
  public DnsResolver withTimeout(Duration timeout) {
    return new DnsResolver(servers, timeout);
  }

  /**
   * The {@code nameserver} lines of a resolv.conf (IPv4 and IPv6 literals, port 53). Like the C
   * library, a file without any usable line means the local host's nameserver, 127.0.0.1.
   */
  public static DnsResolver fromResolvConf(Path resolvConf) throws IOException {
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String raw : Files.readAllLines(resolvConf, StandardCharsets.UTF_8)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      String[] words = line.split("\\s+");
      if (!words[0].equals("nameserver") || words.length < 2) {
        continue;
      }
      String host = words[1];
      if (!isIpLiteral(host)) {
        log.warn("{}: nameserver '{}' is not an IP address; skipped", resolvConf, host);
        continue;
      }
      servers.add(new InetSocketAddress(InetAddress.getByName(host), 53));
    }
    if (servers.isEmpty()) {
      servers.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
    }
    return new DnsResolver(servers);
  }

  /**
   * This machine's nameservers, from /etc/resolv.conf; the local host's (127.0.0.1:53) when the
   * file cannot be read.
   */
  public static DnsResolver system() {
    Path resolvConf = Path.of("/etc/resolv.conf");
    try {
      return fromResolvConf(resolvConf);
    } catch (IOException e) {
      log.warn("cannot read {} ({}); DNS Backends ask 127.0.0.1:53", resolvConf, e.toString());
      return new DnsResolver(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53)));
    }
  }

  /**
   * Servers from a setting such as {@code MESHGATE_DNS_SERVERS}: comma-separated {@code host:port}
   * with IP literals, IPv6 in brackets ({@code 10.0.0.2:53,[fd00::2]:53}); the port defaults to 53.
   */
  public static DnsResolver fromServerList(String setting) {
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String raw : setting.split(",")) {
      String item = raw.strip();
      if (item.isEmpty()) {
        continue;
      }
      String host;
      int port = 53;
      if (item.startsWith("[")) {
        int close = item.indexOf(']');
        if (close < 0) {
          throw new IllegalArgumentException("nameserver: '" + item + "' (expected: [ipv6]:port)");
        }
        host = item.substring(1, close);
        if (close + 1 < item.length()) {
          port = parsePort(item, item.substring(close + 1));
        }
      } else if (item.indexOf(':') == item.lastIndexOf(':') && item.indexOf(':') >= 0) {
        host = item.substring(0, item.indexOf(':'));
        port = parsePort(item, item.substring(item.indexOf(':')));
      } else {
        host = item; // an IPv4 literal without a port, or a bare IPv6 literal
      }
      if (!isIpLiteral(host)) {
        throw new IllegalArgumentException(
            "nameserver: '" + item + "' (expected: an IP address, not a name)");
      }
      try {
        servers.add(new InetSocketAddress(InetAddress.getByName(host), port));
      } catch (IOException e) {
        throw new IllegalArgumentException("nameserver: '" + item + "' (" + e.getMessage() + ")");
      }
    }
    return new DnsResolver(servers);
  }

  private static int parsePort(String item, String colonAndPort) {
    try {
      if (!colonAndPort.startsWith(":")) {
        throw new NumberFormatException();
      }
      int port = Integer.parseInt(colonAndPort.substring(1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("nameserver: '" + item + "' (expected: port 1..65535)");
    }
  }

  /** Only literals: getByName on a name would itself ask DNS through the JDK. */
  private static boolean isIpLiteral(String host) {
    if (host.contains(":")) {
      int scope = host.indexOf('%'); // fe80::1%eth0
      String address = scope < 0 ? host : host.substring(0, scope);
      return address.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
    }
    return host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
  }

  public List<InetSocketAddress> servers() {
    return servers;
  }

  /**
   * The A and AAAA addresses of {@code hostname}.
   *
   * @throws LookupException when no server answers usefully
   * @throws InterruptedIOException when the thread is interrupted
   */
  public Answer resolve(String hostname) throws IOException {
    String name = canonical(hostname);
    Result a = query(name, TYPE_A);
    if (a.rcode == RCODE_NXDOMAIN) {
      return new Answer(List.of(), a.ttl); // the name does not exist for any type
    }
    Result aaaa = query(name, TYPE_AAAA);
    List<InetAddress> addresses = new ArrayList<>(a.addresses);
    addresses.addAll(aaaa.addresses);
    Duration ttl;
    if (!a.addresses.isEmpty() && !aaaa.addresses.isEmpty()) {
      ttl = min(a.ttl, aaaa.ttl);
    } else if (!a.addresses.isEmpty()) {
      ttl = a.ttl;
    } else if (!aaaa.addresses.isEmpty()) {
      ttl = aaaa.ttl;
    } else {
      ttl = min(a.ttl, aaaa.ttl); // two negative answers
    }
    return new Answer(addresses, ttl);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String canonical(String hostname) {
    requireNonNull(hostname, "hostname");
    String name = hostname.endsWith(".") ? hostname.substring(0, hostname.length() - 1) : hostname;
    if (name.isEmpty() || name.length() + 2 > MAX_NAME) {
      throw new IllegalArgumentException("hostname: '" + hostname + "' (expected: 1..253 octets)");
    }
    for (String label : name.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63) {
        throw new IllegalArgumentException(
            "hostname: '" + hostname + "' (expected: labels of 1..63 octets)");
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  /** The outcome of one question: addresses, and their TTL or the negative TTL. */
  private record Result(int rcode, List<InetAddress> addresses, Duration ttl) {}

  private Result query(String name, int type) throws IOException {
    List<String> reasons = new ArrayList<>();
    for (InetSocketAddress server : servers) {
      for (int attempt = 1; attempt <= TRIES_PER_SERVER; attempt++) {
        try {
          return ask(server, name, type);
        } catch (InterruptedIOException e) {
          if (e instanceof SocketTimeoutException && !Thread.currentThread().isInterrupted()) {
            reasons.add(describe(server) + " timed out after " + timeout.toMillis() + " ms");
            continue; // a lost datagram: try this server once more
          }
          throw e;
        } catch (PortUnreachableException e) {
          reasons.add(describe(server) + " port unreachable");
          continue;
        } catch (ServerError e) {
          reasons.add(describe(server) + " " + e.getMessage());
          break; // it answered: asking it again would not change its mind
        } catch (IOException e) {
          if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted while resolving " + name);
          }
          reasons.add(describe(server) + " " + e.getMessage());
          break;
        }
      }
    }
    throw new LookupException(
        "dns lookup of " + name + " " + typeName(type) + " failed: " + String.join("; ", reasons));
  }

  private static String describe(InetSocketAddress server) {
    return server.getAddress().getHostAddress() + ":" + server.getPort();
  }

  private static String typeName(int type) {
    return type == TYPE_A ? "A" : type == TYPE_AAAA ? "AAAA" : "type " + type;
  }

  /** The server answered with an error code, or with something it should not have. */
  private static final class ServerError extends IOException {
    private static final long serialVersionUID = 1L;

    ServerError(String message) {
      super(message);
    }
  }

  private Result ask(InetSocketAddress server, String name, int type) throws IOException {
    int id = random.nextInt(0x10000);
    byte[] query = encodeQuery(id, name, type);
    Message answer = exchangeUdp(server, query, id, name, type);
    if (answer.truncated()) {
      answer = exchangeTcp(server, query);
      if (!answer.answers(id, name, type)) {
        throw new ServerError("answered over TCP with a different id or question");
      }
    }
    return interpret(answer, name, type);
  }

  private static Result interpret(Message answer, String name, int type) throws ServerError {
    switch (answer.rcode()) {
      case RCODE_NOERROR:
        break;
      case RCODE_NXDOMAIN:
        return new Result(RCODE_NXDOMAIN, List.of(), negativeTtl(answer));
      case 1:
        throw new ServerError("FORMERR");
      case 2:
        throw new ServerError("SERVFAIL");
      case 4:
        throw new ServerError("NOTIMP");
      case 5:
        throw new ServerError("REFUSED");
      default:
        throw new ServerError("rcode " + answer.rcode());
    }
    // Follow the chain: each step is a CNAME owned by the current name; at most one step per
    // record, so a CNAME loop in the answer ends.
    String current = name;
    long ttl = Long.MAX_VALUE;
    for (int step = 0; step < answer.answers().size(); step++) {
      ResourceRecord cname = null;
      for (ResourceRecord r : answer.answers()) {
        if (r.type() == TYPE_CNAME && r.rclass() == CLASS_IN && r.name().equals(current)) {
          cname = r;
          break;
        }
      }
      if (cname == null) {
        break;
      }
      current = requireNonNull(cname.target());
      ttl = Math.min(ttl, cname.ttl());
    }
    List<InetAddress> addresses = new ArrayList<>();
    long addressTtl = Long.MAX_VALUE;
    for (ResourceRecord r : answer.answers()) {
      if (r.type() == type && r.rclass() == CLASS_IN && r.name().equals(current)) {
        addresses.add(requireNonNull(r.address()));
        addressTtl = Math.min(addressTtl, r.ttl());
      }
    }
    if (addresses.isEmpty()) {
      return new Result(RCODE_NOERROR, List.of(), negativeTtl(answer)); // NODATA
    }
    return new Result(
        RCODE_NOERROR, List.copyOf(addresses), Duration.ofSeconds(Math.min(ttl, addressTtl)));
  }

  /** RFC 2308 §5: the smaller of the SOA record's TTL and its MINIMUM field; zero without one. */
  private static Duration negativeTtl(Message answer) {
    for (ResourceRecord r : answer.authority()) {
      if (r.type() == TYPE_SOA) {
        return Duration.ofSeconds(Math.min(r.ttl(), r.soaMinimum()));
      }
    }
    return Duration.ZERO;
  }

  private Message exchangeUdp(InetSocketAddress server, byte[] query, int id, String name, int type)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    // A fresh channel per query: the system picks a random source port (RFC 5452 §9.2).
    try (DatagramChannel channel = DatagramChannel.open();
        Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      channel.connect(server); // only datagrams from the server are received
      channel.write(ByteBuffer.wrap(query));
      channel.register(selector, SelectionKey.OP_READ);
      ByteBuffer buffer = ByteBuffer.allocate(MAX_MESSAGE);
      while (true) {
        await(selector, deadline);
        buffer.clear();
        if (channel.receive(buffer) == null) {
          continue;
        }
        buffer.flip();
        Message message;
        try {
          message = parse(buffer.array(), buffer.limit());
        } catch (MalformedMessageException e) {
          log.debug("{}: dropped a malformed datagram: {}", server, e.getMessage());
          continue; // not necessarily from the server; wait for the real one
        }
        if (message.answers(id, name, type)) {
          return message;
        }
        log.debug("{}: dropped an answer to another question", server);
      }
    }
  }

  private Message exchangeTcp(InetSocketAddress server, byte[] query) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SocketChannel channel = SocketChannel.open();
        Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      if (!channel.connect(server)) {
        channel.register(selector, SelectionKey.OP_CONNECT);
        while (!channel.finishConnect()) {
          await(selector, deadline);
        }
      }
      ByteBuffer out = ByteBuffer.allocate(2 + query.length);
      out.putShort((short) query.length).put(query).flip();
      interest(channel, selector, SelectionKey.OP_WRITE);
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          await(selector, deadline);
        }
      }
      interest(channel, selector, SelectionKey.OP_READ);
      ByteBuffer length = ByteBuffer.allocate(2);
      readFully(channel, selector, length, deadline);
      int size = Short.toUnsignedInt(length.getShort(0));
      ByteBuffer body = ByteBuffer.allocate(size);
      readFully(channel, selector, body, deadline);
      return parse(body.array(), size);
    }
  }

  private static void interest(SelectableChannel channel, Selector selector, int ops)
      throws IOException {
    SelectionKey key = channel.keyFor(selector);
    if (key == null) {
      channel.register(selector, ops);
    } else {
      key.interestOps(ops);
    }
  }

  private static void readFully(
      SocketChannel channel, Selector selector, ByteBuffer buffer, long deadline)
      throws IOException {
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer);
      if (read < 0) {
        throw new EOFException("closed the TCP connection before a whole answer");
      }
      if (read == 0) {
        await(selector, deadline);
      }
    }
  }

  /** Waits until a registered operation is ready; a timeout or an interrupt ends the wait. */
  private static void await(Selector selector, long deadline) throws IOException {
    while (true) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted");
      }
      long remaining = (deadline - System.nanoTime()) / 1_000_000L;
      if (remaining <= 0) {
        throw new SocketTimeoutException("timed out");
      }
      int ready = selector.select(remaining);
      selector.selectedKeys().clear();
      if (ready > 0) {
        return;
      }
    }
  }

  // ---- RFC 1035 §4 message format ----

  static byte[] encodeQuery(int id, String name, int type) {
    ByteBuffer out = ByteBuffer.allocate(12 + MAX_NAME + 4);
    out.putShort((short) id);
    out.putShort((short) 0x0100); // QR=0, OPCODE=QUERY, RD=1
    out.putShort((short) 1); // QDCOUNT
    out.putShort((short) 0).putShort((short) 0).putShort((short) 0);
    for (String label : name.split("\\.")) {
      byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
      out.put((byte) bytes.length).put(bytes);
    }
    out.put((byte) 0);
    out.putShort((short) type).putShort((short) CLASS_IN);
    byte[] query = new byte[out.position()];
    out.flip().get(query);
    return query;
  }

  /**
   * One resource record, decoded as far as this resolver needs.
   *
   * @param ttl seconds; RFC 2181 §8: a TTL with the top bit set counts as 0
   */
  record ResourceRecord(
      String name,
      int type,
      int rclass,
      long ttl,
      @Nullable InetAddress address,
      @Nullable String target,
      long soaMinimum) {}

  /** A parsed message: the header fields checked, the question, answer and authority sections. */
  record Message(
      int id,
      boolean response,
      int opcode,
      boolean truncated,
      int rcode,
      String questionName,
      int questionType,
      int questionClass,
      List<ResourceRecord> answers,
      List<ResourceRecord> authority) {
    boolean answers(int queryId, String name, int type) {
      return response
          && opcode == 0
          && id == queryId
          && questionName.equals(name)
          && questionType == type
          && questionClass == CLASS_IN;
    }
  }

  /**
   * Parses a message, reading at most {@value #MAX_RECORDS} records of the answer and authority
   * sections (the additional section is not read). Names are lower-cased.
   *
   * @throws MalformedMessageException when the message breaks the format or a bound
   */
  static Message parse(byte[] message, int length) throws MalformedMessageException {
    if (length > MAX_MESSAGE || length > message.length) {
      throw new MalformedMessageException("message of " + length + " octets (expected: <= 65535)");
    }
    Reader in = new Reader(message, length);
    int id = in.u16();
    int flags = in.u16();
    int qdcount = in.u16();
    int ancount = in.u16();
    int nscount = in.u16();
    in.u16(); // ARCOUNT: the additional section is not read
    if (qdcount != 1) {
      throw new MalformedMessageException("QDCOUNT " + qdcount + " (expected: 1)");
    }
    String qname = in.name();
    int qtype = in.u16();
    int qclass = in.u16();
    int budget = MAX_RECORDS;
    List<ResourceRecord> answers = new ArrayList<>();
    for (int i = 0; i < ancount && budget > 0; i++, budget--) {
      answers.add(in.record());
    }
    List<ResourceRecord> authority = new ArrayList<>();
    if (answers.size() == ancount) {
      for (int i = 0; i < nscount && budget > 0; i++, budget--) {
        authority.add(in.record());
      }
    }
    return new Message(
        id,
        (flags & 0x8000) != 0,
        (flags >> 11) & 0xF,
        (flags & 0x0200) != 0,
        flags & 0xF,
        qname,
        qtype,
        qclass,
        List.copyOf(answers),
        List.copyOf(authority));
  }

  /** A bounds-checked cursor over one message. */
  private static final class Reader {
    private final byte[] bytes;
    private final int length;
    private int position;

    Reader(byte[] bytes, int length) {
      this.bytes = bytes;
      this.length = length;
    }

    private void need(int count) throws MalformedMessageException {
      if (position + count > length) {
        throw new MalformedMessageException(
            "message ends at octet "
                + length
                + " (expected: "
                + count
                + " more at "
                + position
                + ")");
      }
    }

    int u8() throws MalformedMessageException {
      need(1);
      return bytes[position++] & 0xFF;
    }

    int u16() throws MalformedMessageException {
      need(2);
      int value = ((bytes[position] & 0xFF) << 8) | (bytes[position + 1] & 0xFF);
      position += 2;
      return value;
    }

    long u32() throws MalformedMessageException {
      return ((long) u16() << 16) | u16();
    }

    /**
     * A domain name at the cursor (RFC 1035 §4.1.4). A compression pointer must point before every
     * octet of the name read so far: each jump then lands lower than the last, and a chain of
     * pointers ends however the message is crafted (pointing merely backwards is not enough: a
     * label followed by a pointer to that label loops).
     */
    String name() throws MalformedMessageException {
      StringBuilder name = new StringBuilder();
      int octets = 1; // the root label
      int at = position;
      int floor = position;
      int resumeAt = -1;
      while (true) {
        if (at >= length) {
          throw new MalformedMessageException("name runs past the end at octet " + at);
        }
        int len = bytes[at] & 0xFF;
        if ((len & 0xC0) == 0xC0) {
          if (at + 1 >= length) {
            throw new MalformedMessageException("compression pointer cut short at octet " + at);
          }
          int target = ((len & 0x3F) << 8) | (bytes[at + 1] & 0xFF);
          if (target >= floor) {
            throw new MalformedMessageException(
                "compression pointer at octet "
                    + at
                    + " to "
                    + target
                    + " (expected: before "
                    + floor
                    + ")");
          }
          floor = target;
          if (resumeAt < 0) {
            resumeAt = at + 2;
          }
          at = target;
          continue;
        }
        if ((len & 0xC0) != 0) {
          throw new MalformedMessageException("label type 0x" + Integer.toHexString(len));
        }
        if (len == 0) {
          position = resumeAt >= 0 ? resumeAt : at + 1;
          return name.toString();
        }
        octets += len + 1;
        if (octets > MAX_NAME) {
          throw new MalformedMessageException("name longer than " + MAX_NAME + " octets");
        }
        if (at + 1 + len > length) {
          throw new MalformedMessageException("label runs past the end at octet " + at);
        }
        if (name.length() > 0) {
          name.append('.');
        }
        name.append(
            new String(bytes, at + 1, len, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT));
        at += 1 + len;
      }
    }

    ResourceRecord record() throws MalformedMessageException {
      String name = name();
      int type = u16();
      int rclass = u16();
      long ttl = u32();
      if (ttl > Integer.MAX_VALUE) {
        ttl = 0; // RFC 2181 §8
      }
      int rdlength = u16();
      need(rdlength);
      int end = position + rdlength;
      InetAddress address = null;
      String target = null;
      long soaMinimum = 0;
      if (rclass == CLASS_IN && (type == TYPE_A || type == TYPE_AAAA)) {
        int size = type == TYPE_A ? 4 : 16;
        if (rdlength != size) {
          throw new MalformedMessageException(
              typeName(type) + " record of " + rdlength + " octets (expected: " + size + ")");
        }
        byte[] raw = new byte[size];
        System.arraycopy(bytes, position, raw, 0, size);
        address = toAddress(raw);
      } else if (type == TYPE_CNAME) {
        target = name();
      } else if (type == TYPE_SOA) {
        name(); // MNAME
        name(); // RNAME
        u32(); // SERIAL
        u32(); // REFRESH
        u32(); // RETRY
        u32(); // EXPIRE
        soaMinimum = u32();
        if (soaMinimum > Integer.MAX_VALUE) {
          soaMinimum = 0;
        }
      }
      if (position > end) {
        throw new MalformedMessageException("record data longer than its RDLENGTH " + rdlength);
      }
      position = end;
      return new ResourceRecord(name, type, rclass, ttl, address, target, soaMinimum);
    }
  }

  private static InetAddress toAddress(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw); // never looks anything up
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 octets were checked", e);
    }
  }
}
