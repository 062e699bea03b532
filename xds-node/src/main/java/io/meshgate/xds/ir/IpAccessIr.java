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
 */
public record IpAccessIr(List<CidrIr> allow, List<CidrIr> deny, SourceRef policy) {
  private static final Comparator<CidrIr> ORDER =
      Comparator.comparing(CidrIr::address).thenComparingInt(CidrIr::prefixLength);

  public IpAccessIr {
    allow = Lists.copy(allow).stream().distinct().sorted(ORDER).toList();
    deny = Lists.copy(deny).stream().distinct().sorted(ORDER).toList();
    requireNonNull(policy, "policy");
  }

  /** A CIDR block: an address with no bits set past {@code prefixLength}. */
  public record CidrIr(String address, int prefixLength) {
    public CidrIr {
      requireNonNull(address, "address");
    }
  }
}
