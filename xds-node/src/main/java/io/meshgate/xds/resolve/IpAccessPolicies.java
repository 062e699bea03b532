package io.meshgate.xds.resolve;

import io.meshgate.config.model.IpAccess;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.IpAccessIr;
import io.meshgate.xds.ir.IpAccessIr.CidrIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code ipAccess} of every SecurityPolicy, checked once: the blocks its routes allow and deny,
 * or — when a block cannot be translated as written — broken. A broken policy fails closed: the
 * routes it governs answer 500 (RouteRules), never unchecked.
 *
 * <p>config-store's validation already holds each block to an IPv4 or IPv6 address and a prefix in
 * range. What it lets through is a block with host bits set ({@code 10.0.0.1/8}): Envoy would
 * silently widen it to {@code 10.0.0.0/8}, which in an allow list lets in sixteen million addresses
 * where one was probably meant.
 */
final class IpAccessPolicies {
  private static final Pattern IPV4 =
      Pattern.compile(
          "^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");

  /** What a SecurityPolicy's {@code ipAccess} asks of the routes it governs. */
  sealed interface Ip {
    /** The blocks allowed and denied. */
    record Restricted(IpAccessIr access) implements Ip {}

    /** Could not be translated (Problems say why): its routes answer 500. */
    record Broken(SourceRef policy) implements Ip {}
  }

  private IpAccessPolicies() {}

  /**
   * Every SecurityPolicy that sets {@code ipAccess}, by key; Problems for those that are broken.
   */
  static Map<ResourceKey, Ip> of(Context context) {
    Map<ResourceKey, Ip> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      SecurityPolicySpec spec = policy.spec(SecurityPolicySpec.class);
      if (spec.ipAccess() != null) {
        byPolicy.put(policy.key(), ip(context, policy, spec.ipAccess()));
      }
    }
    return byPolicy;
  }

  private static Ip ip(Context context, Resource policy, IpAccess ip) {
    List<CidrIr> allow = new ArrayList<>();
    List<CidrIr> deny = new ArrayList<>();
    boolean broken = !blocks(context, policy, ip.allow(), "/spec/ipAccess/allow/", allow);
    broken |= !blocks(context, policy, ip.deny(), "/spec/ipAccess/deny/", deny);
    return broken
        ? new Ip.Broken(Context.source(policy))
        : new Ip.Restricted(new IpAccessIr(allow, deny, Context.source(policy)));
  }

  /** Adds each block to {@code into}; false when one is not a block as written. */
  private static boolean blocks(
      Context context, Resource policy, List<String> cidrs, String at, List<CidrIr> into) {
    boolean fine = true;
    for (int i = 0; i < cidrs.size(); i++) {
      Optional<CidrIr> cidr = cidr(cidrs.get(i));
      if (cidr.isPresent()) {
        into.add(cidr.get());
        continue;
      }
      context.problem(
          policy,
          at + i,
          ProblemReason.INVALID,
          "'"
              + cidrs.get(i)
              + "' has address bits set past its prefix length (write the network address, or /32"
              + " or /128 for one address); the routes this policy governs answer 500 until it is"
              + " fixed");
      fine = false;
    }
    return fine;
  }

  /**
   * A block with no bits set past its prefix, its address as Java writes it (IPv6 compressed the
   * same way every time); empty otherwise.
   */
  static Optional<CidrIr> cidr(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      return Optional.empty();
    }
    String literal = cidr.substring(0, slash);
    // Only a literal reaches InetAddress, which then parses and never looks a name up.
    if (!literal.contains(":") && !IPV4.matcher(literal).matches()) {
      return Optional.empty();
    }
    InetAddress address;
    int prefix;
    try {
      address = InetAddress.getByName(literal);
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (UnknownHostException | NumberFormatException e) {
      return Optional.empty();
    }
    byte[] bytes = address.getAddress();
    int bits = bytes.length * 8;
    if (prefix < 0 || prefix > bits) {
      return Optional.empty();
    }
    BigInteger value = new BigInteger(1, bytes);
    BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
    if (!value.and(hostMask).equals(BigInteger.ZERO)) {
      return Optional.empty();
    }
    return Optional.of(new CidrIr(address.getHostAddress(), prefix));
  }
}
