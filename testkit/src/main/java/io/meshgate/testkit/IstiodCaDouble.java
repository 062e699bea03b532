package io.meshgate.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateRequest;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateResponse;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateServiceGrpc;
import io.netty.channel.ChannelOption;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A stand-in for istiod's CA ({@code istio.v1.auth.IstioCertificateService/CreateCertificate}, port
 * 15012) on a loopback port, over TLS whose serving certificate the mesh's first root signs, as
 * istiod's does (or plaintext, if the builder says so). It applies istiod's rules: the caller's
 * {@code authorization: Bearer <token>} must be a token registered with {@link #token}, else
 * UNAUTHENTICATED; the CSR's only URI SAN must be {@code spiffe://<trust-domain>/ns/<ns>/sa/<sa>}
 * of that token, else PERMISSION_DENIED; a CSR that does not parse, is not signed by its key or has
 * no EC P-256 key is INVALID_ARGUMENT. It then issues a real X.509 leaf (client and server EKU, the
 * requested validity capped at the maximum TTL) signed by the active root, and answers [leaf,
 * root].
 *
 * <p>Levers: {@link #rotateRoot()}, {@link #failNext(Status, int)}, {@link #flawNext(Flaw, int)},
 * {@link #stop()} and {@link #start()} on the same port. What it received: {@link #requests()},
 * {@link #received()}. Nothing here is fit for production; {@link #toString()} shows no key or
 * token.
 */
public final class IstiodCaDouble implements AutoCloseable {
  /** The trust domain Istio uses unless told otherwise. */
  public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

  /** The longest certificate it issues unless told otherwise (istiod's default maximum). */
  public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);

  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Duration ROOT_TTL = Duration.ofDays(3650);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> CLUSTER_ID =
      Metadata.Key.of("ClusterID", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Metadata> HEADERS = Context.key("istiod-double-headers");

  /** One identity a token stands for. */
  public record Workload(String namespace, String serviceAccount) {
    public Workload {
      requireNonNull(namespace, "namespace");
      requireNonNull(serviceAccount, "serviceAccount");
    }
  }

  /**
   * One CreateCertificate call as it arrived, whatever the answer.
   *
   * @param token the bearer token, empty when there was none
   * @param csrPem the CSR as sent
   * @param validitySeconds the validity asked for
   */
  public record Received(
      Optional<String> token, Optional<String> clusterId, String csrPem, long validitySeconds) {
    @Override
    public String toString() {
      return "Received[clusterId="
          + clusterId.orElse("-")
          + ", validitySeconds="
          + validitySeconds
          + ", token redacted]";
    }
  }

  /** What a broken istiod could get wrong in an answer it gives, for clients that must check it. */
  public enum Flaw {
    /** The leaf certifies a key of the double's, not the CSR's. */
    OTHER_KEY,
    /** The leaf names another workload of the trust domain. */
    OTHER_ID,
    /** The chain ends in a root that did not sign the leaf. */
    FOREIGN_ROOT,
    /** The chain is the leaf alone, without its root. */
    LEAF_ONLY
  }

  /** A root: its certificate and the key that signs with it, which never leaves the double. */
  private record Root(X509Certificate certificate, PrivateKey key, String pem) {}

  private final String trustDomain;
  private final Clock clock;
  private final Duration maxTtl;
  private final boolean plaintext;
  private final SecureRandom random = new SecureRandom();
  private final ConcurrentHashMap<String, Workload> tokens = new ConcurrentHashMap<>();
  private final List<Root> roots = new ArrayList<>();
  private final List<Received> received = new ArrayList<>();
  private final String servingChainPem;
  private final String servingKeyPem;
  private Status failure = Status.OK;
  private int failuresLeft;
  private Flaw flaw = Flaw.OTHER_KEY;
  private int flawsLeft;
  private int port;
  private Server server;

  private IstiodCaDouble(Builder builder) {
    this.trustDomain = builder.trustDomain;
    this.clock = builder.clock;
    this.maxTtl = builder.maxTtl;
    this.plaintext = builder.plaintext;
    Root first = newRoot();
    roots.add(first);
    KeyPair serving = keyPair();
    X509Certificate servingCertificate = servingCertificate(first, serving);
    this.servingChainPem = pem("CERTIFICATE", encoded(servingCertificate));
    this.servingKeyPem = pem("PRIVATE KEY", serving.getPrivate().getEncoded());
  }

  /** A builder for a double with the defaults: cluster.local, the system clock, 24 h, TLS. */
  public static Builder builder() {
    return new Builder();
  }

  /** A double with the defaults, started. */
  public static IstiodCaDouble startDefault() {
    return builder().start();
  }

  /** Options of a new double. */
  public static final class Builder {
    private String trustDomain = DEFAULT_TRUST_DOMAIN;
    private Clock clock = Clock.systemUTC();
    private Duration maxTtl = DEFAULT_MAX_TTL;
    private boolean plaintext;

    private Builder() {}

    public Builder trustDomain(String trustDomain) {
      this.trustDomain = requireNonNull(trustDomain, "trustDomain");
      return this;
    }

    /** The clock certificates are dated by (roots, leaves, the serving certificate). */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** The longest validity it grants; a longer request gets this. */
    public Builder maxTtl(Duration maxTtl) {
      if (maxTtl.isNegative() || maxTtl.isZero()) {
        throw new IllegalArgumentException("maxTtl: " + maxTtl + " (expected: positive)");
      }
      this.maxTtl = maxTtl;
      return this;
    }

    /** Serve without TLS (istiod never does on 15012); for clients that cannot do TLS. */
    public Builder plaintext(boolean plaintext) {
      this.plaintext = plaintext;
      return this;
    }

    /** Creates the double and starts serving on a free loopback port. */
    public IstiodCaDouble start() {
      IstiodCaDouble double_ = new IstiodCaDouble(this);
      double_.start();
      return double_;
    }
  }

  // ---- levers

  /** Registers {@code token} as the service account token of {@code namespace}/{@code sa}. */
  public IstiodCaDouble token(String token, String namespace, String serviceAccount) {
    tokens.put(requireNonNull(token, "token"), new Workload(namespace, serviceAccount));
    return this;
  }

  /**
   * Makes a new root that signs every leaf from now on; the old roots stay listed in {@link
   * #rootsPem()}. The serving certificate stays the one the first root signed.
   *
   * @return the new root, PEM
   */
  public synchronized String rotateRoot() {
    Root root = newRoot();
    roots.add(root);
    return root.pem();
  }

  /** Answers the next {@code times} calls with {@code status}, before looking at them. */
  public synchronized IstiodCaDouble failNext(Status status, int times) {
    if (status.isOk() || times < 0) {
      throw new IllegalArgumentException("failNext(" + status + ", " + times + ")");
    }
    failure = status;
    failuresLeft = times;
    return this;
  }

  /**
   * Answers the next {@code times} calls that it would issue for with a certificate chain that has
   * {@code flaw}, as a broken or impostor CA might.
   */
  public synchronized IstiodCaDouble flawNext(Flaw flaw, int times) {
    if (times < 0) {
      throw new IllegalArgumentException("flawNext(" + flaw + ", " + times + ")");
    }
    this.flaw = requireNonNull(flaw, "flaw");
    flawsLeft = times;
    return this;
  }

  /** Starts serving, on the port of the first start if it had one. Idempotent. */
  public synchronized void start() {
    if (server != null) {
      return;
    }
    ServerCredentials credentials;
    try {
      credentials =
          plaintext
              ? io.grpc.InsecureServerCredentials.create()
              : TlsServerCredentials.create(
                  new ByteArrayInputStream(servingChainPem.getBytes(US_ASCII)),
                  new ByteArrayInputStream(servingKeyPem.getBytes(US_ASCII)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the serving certificate", e);
    }
    Server built =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), credentials)
            .withOption(ChannelOption.SO_REUSEADDR, true)
            .addService(ServerInterceptors.intercept(new CaService(), new HeadersInterceptor()))
            .build();
    try {
      built.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve on 127.0.0.1:" + port, e);
    }
    port = built.getPort();
    server = built;
  }

  /** Stops serving and drops open connections; {@link #start()} serves again on the same port. */
  public void stop() {
    Server running;
    synchronized (this) {
      running = server;
      server = null;
    }
    if (running == null) {
      return;
    }
    running.shutdownNow();
    try {
      running.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  // ---- what it is and what it saw

  public String trustDomain() {
    return trustDomain;
  }

  /** {@code 127.0.0.1:<port>}, a gRPC target; its TLS certificate names 127.0.0.1 and localhost. */
  public synchronized String address() {
    return InetAddress.getLoopbackAddress().getHostAddress() + ":" + port;
  }

  public synchronized int port() {
    return port;
  }

  /** The root that signs now, PEM. */
  public synchronized String rootPem() {
    return roots.get(roots.size() - 1).pem();
  }

  /** Every root it has had, oldest first, PEM. */
  public synchronized List<String> rootsPem() {
    return roots.stream().map(Root::pem).toList();
  }

  /** How many CreateCertificate calls arrived, answered or not. */
  public synchronized int requests() {
    return received.size();
  }

  /** Every CreateCertificate call, in the order they arrived. */
  public synchronized List<Received> received() {
    return List.copyOf(received);
  }

  @Override
  public String toString() {
    return "IstiodCaDouble[" + trustDomain + " at " + address() + "]";
  }

  // ---- the service

  private final class CaService
      extends IstioCertificateServiceGrpc.IstioCertificateServiceImplBase {
    @Override
    public void createCertificate(
        IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> answer) {
      try {
        answer.onNext(issue(request, HEADERS.get()));
        answer.onCompleted();
      } catch (RefusedException e) {
        answer.onError(e.status.asRuntimeException());
      }
    }
  }

  private static final class HeadersInterceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      return Contexts.interceptCall(
          Context.current().withValue(HEADERS, headers), call, headers, next);
    }
  }

  private static final class RefusedException extends Exception {
    final transient Status status;

    RefusedException(Status status) {
      super(status.getDescription(), null, false, false);
      this.status = status;
    }
  }

  private IstioCertificateResponse issue(IstioCertificateRequest request, Metadata headers)
      throws RefusedException {
    Optional<String> token =
        Optional.ofNullable(headers.get(AUTHORIZATION))
            .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
            .map(value -> value.substring(7).trim());
    Root signer;
    synchronized (this) {
      received.add(
          new Received(
              token,
              Optional.ofNullable(headers.get(CLUSTER_ID)),
              request.getCsr(),
              request.getValidityDuration()));
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new RefusedException(failure);
      }
      signer = roots.get(roots.size() - 1);
    }
    Workload workload = token.map(tokens::get).orElse(null);
    if (workload == null) {
      throw new RefusedException(
          Status.UNAUTHENTICATED.withDescription(
              "authenticate failed: " + (token.isEmpty() ? "no bearer token" : "unknown token")));
    }
    String expected =
        "spiffe://"
            + trustDomain
            + "/ns/"
            + workload.namespace()
            + "/sa/"
            + workload.serviceAccount();
    Csr csr = parse(request.getCsr());
    if (!csr.uris().equals(List.of(expected))) {
      throw new RefusedException(
          Status.PERMISSION_DENIED.withDescription(
              "the CSR's identities " + csr.uris() + " are not the caller's " + expected));
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    long asked = request.getValidityDuration();
    Duration ttl =
        asked <= 0 || Duration.ofSeconds(asked).compareTo(maxTtl) > 0
            ? maxTtl
            : Duration.ofSeconds(asked);
    Optional<Flaw> flawed;
    synchronized (this) {
      flawed = flawsLeft > 0 ? Optional.of(flaw) : Optional.empty();
      if (flawsLeft > 0) {
        flawsLeft--;
      }
    }
    PublicKey key =
        flawed.filter(Flaw.OTHER_KEY::equals).isPresent() ? keyPair().getPublic() : csr.publicKey();
    String uri = flawed.filter(Flaw.OTHER_ID::equals).isPresent() ? expected + "-other" : expected;
    X509Certificate leaf = leaf(signer, key, uri, now, now.plus(ttl));
    IstioCertificateResponse.Builder answer =
        IstioCertificateResponse.newBuilder().addCertChain(pem("CERTIFICATE", encoded(leaf)));
    if (flawed.filter(Flaw.FOREIGN_ROOT::equals).isPresent()) {
      answer.addCertChain(newRoot().pem());
    } else if (flawed.filter(Flaw.LEAF_ONLY::equals).isEmpty()) {
      answer.addCertChain(signer.pem());
    }
    return answer.build();
  }

  private record Csr(PublicKey publicKey, List<String> uris) {}

  private static Csr parse(String pem) throws RefusedException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object read = parser.readObject();
      if (!(read instanceof PKCS10CertificationRequest)) {
        throw invalid("not a PEM certificate request");
      }
      JcaPKCS10CertificationRequest csr =
          new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) read);
      PublicKey key =
          KeyFactory.getInstance("EC")
              .generatePublic(new X509EncodedKeySpec(csr.getSubjectPublicKeyInfo().getEncoded()));
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw invalid("the CSR's signature does not verify");
      }
      if (!(key instanceof ECPublicKey)
          || ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize() != 256) {
        throw invalid("the CSR's key is not EC P-256");
      }
      List<String> uris = new ArrayList<>();
      for (var attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
        Extensions extensions = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
        GeneralNames names =
            GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
        if (names != null) {
          for (GeneralName name : names.getNames()) {
            if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
              uris.add(name.getName().toString());
            }
          }
        }
      }
      return new Csr(key, List.copyOf(uris));
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw invalid("the CSR does not parse: " + e.getMessage());
    } catch (org.bouncycastle.operator.OperatorCreationException
        | org.bouncycastle.pkcs.PKCSException e) {
      throw invalid("the CSR's signature does not verify: " + e.getMessage());
    }
  }

  private static RefusedException invalid(String why) {
    return new RefusedException(Status.INVALID_ARGUMENT.withDescription(why));
  }

  // ---- certificates

  private Root newRoot() {
    KeyPair keys = keyPair();
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    X500Name name = new X500Name("O=" + trustDomain + ", CN=istiod double root " + now);
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              serial(),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(ROOT_TTL)),
              name,
              keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain)));
      X509Certificate certificate = sign(builder, keys.getPrivate());
      return new Root(certificate, keys.getPrivate(), pem("CERTIFICATE", encoded(certificate)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private X509Certificate leaf(
      Root signer, PublicKey key, String uri, Instant notBefore, Instant notAfter) {
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              signer.certificate(),
              serial(),
              Date.from(notBefore),
              Date.from(notAfter),
              new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
              key);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      builder.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
      return sign(builder, signer.key());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private X509Certificate servingCertificate(Root root, KeyPair keys) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              root.certificate(),
              serial(),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(ROOT_TTL)),
              new X500Name("CN=istiod.istio-system.svc"),
              keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.dNSName, "istiod.istio-system.svc")
              }));
      return sign(builder, root.key());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a certificate", e);
    }
  }

  private BigInteger serial() {
    return new BigInteger(127, random).add(BigInteger.ONE);
  }

  private KeyPair keyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is unavailable", e);
    }
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }
}
