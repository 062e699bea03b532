package io.meshgate.xds.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.ir.IpAccessIr.CidrIr;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What config-store's validation lets through but would not mean what it says in Envoy: a CIDR
 * block with host bits set, and an origin wildcard that must not reach past the host.
 */
class CorsAndIpAccessPoliciesTest {
  @Test
  void networkAddressesAreTakenAndHostBitsAreRefused() {
    assertThat(IpAccessPolicies.cidr("10.0.0.0/8")).contains(new CidrIr("10.0.0.0", 8));
    assertThat(IpAccessPolicies.cidr("192.168.1.10/32")).contains(new CidrIr("192.168.1.10", 32));
    assertThat(IpAccessPolicies.cidr("0.0.0.0/0")).contains(new CidrIr("0.0.0.0", 0));
    assertThat(IpAccessPolicies.cidr("2001:db8::/32"))
        .contains(new CidrIr("2001:db8:0:0:0:0:0:0", 32));
    // when the address has bits past the prefix, Envoy would silently widen the block
    assertThat(IpAccessPolicies.cidr("192.168.1.10/24")).isEmpty();
    assertThat(IpAccessPolicies.cidr("2001:db8::1/64")).isEmpty();
    // what validation refuses is refused here too, and never looked up as a name
    assertThat(IpAccessPolicies.cidr("10.0.0.0/33")).isEmpty();
    assertThat(IpAccessPolicies.cidr("bad.cafe/8")).isEmpty();
    assertThat(IpAccessPolicies.cidr("999.0.0.0/8")).isEmpty();
  }

  @Test
  void aSubdomainWildcardMatchesSubdomainsOnly() {
    // given
    Pattern pattern = Pattern.compile(CorsPolicies.wildcard("https://*.example.com"));

    // then one or more labels stand for the star, and nothing else does
    assertThat(pattern.matcher("https://app.example.com").matches()).isTrue();
    assertThat(pattern.matcher("https://a.b.example.com").matches()).isTrue();
    assertThat(pattern.matcher("https://example.com").matches()).isFalse();
    assertThat(pattern.matcher("https://appXexample.com").matches()).isFalse();
    assertThat(pattern.matcher("https://evil.com/.example.com").matches()).isFalse();
    assertThat(pattern.matcher("https://evil.com:443.example.com").matches()).isFalse();
    assertThat(pattern.matcher("http://app.example.com").matches()).isFalse();
  }
}
