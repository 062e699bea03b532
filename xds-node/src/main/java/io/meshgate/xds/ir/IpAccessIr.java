package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.List;

/**
 * Which client addresses may call a route (a SecurityPolicy's {@code ipAccess}): an address in
 * {@code deny} is refused whatever {@code allow} says; a non-empty {@code allow} refuses every
 * address outside it.
 *
 * @param allow CIDR blocks, sorted, without duplicates; empty: every address not denied
 * @param deny CIDR blocks, sorted, without duplicates
 * @param policy the SecurityPolicy it comes from
 * @param client which address is the client's: the TCP peer's, or the one trusted proxies wrote
 *     into X-Forwarded-For (on a listener with {@code clientIPDetection})
 */
public record IpAccessIr(
    List<CidrIr> allow, List<CidrIr> deny, SourceRef policy, ClientAddress client) {
  private static final Comparator<CidrIr> ORDER =
      Comparator.comparing(CidrIr::address).thenComparingInt(CidrIr::prefixLength);

  public IpAccessIr {
    allow = Lists.copy(allow).stream().distinct().sorted(ORDER).toList();
    deny = Lists.copy(deny).stream().distinct().sorted(ORDER).toList();
    requireNonNull(policy, "policy");
    requireNonNull(client, "client");
  }

  /** The TCP peer's address is the client's. */
  public IpAccessIr(List<CidrIr> allow, List<CidrIr> deny, SourceRef policy) {
    this(allow, deny, policy, ClientAddress.CONNECTION);
  }

  /** The same blocks, matched against {@code client}. */
  public IpAccessIr matching(ClientAddress client) {
    return new IpAccessIr(allow, deny, policy, client);
  }

  /** Which address is the client's. */
  public enum ClientAddress {
    /** The TCP peer's (or the one a PROXY-protocol header gave). */
    CONNECTION,
    /** The one trusted proxies in front wrote into X-Forwarded-For. */
    FORWARDED
  }

  /** A CIDR block: an address with no bits set past {@code prefixLength}. */
  public record CidrIr(String address, int prefixLength) {
    public CidrIr {
      requireNonNull(address, "address");
    }
  }
}
