package io.meshgate.xds.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.meshgate.xds.ir.HeaderOpsIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.PathRewriteIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RouteActionIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteMatchIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.ir.WeightedClusterIr;
import io.meshgate.xds.keys.KeyRing;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ReplacePrefixMatch as Gateway API's HTTPPathModifier table defines it, applied the way Envoy
 * applies a regex_rewrite (first match replaced; the patterns use nothing where RE2 and
 * java.util.regex differ), to both forwarded and redirected requests.
 */
class PathRewriteTest {
  @ParameterizedTest(name = "{0} with prefix {1} replaced by \"{2}\" → {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "/foo/bar | /foo  | /xyz  | /xyz/bar",
        "/foo/bar | /foo  | /xyz/ | /xyz/bar",
        "/foo/bar | /foo/ | /xyz  | /xyz/bar",
        "/foo/bar | /foo/ | /xyz/ | /xyz/bar",
        "/foo     | /foo  | /xyz  | /xyz",
        "/foo/    | /foo  | /xyz  | /xyz/",
        "/foo/bar | /foo  | ''    | /bar",
        "/foo/    | /foo  | ''    | /",
        "/foo     | /foo  | ''    | /",
        "/foo/    | /foo  | /     | /",
        "/foo     | /foo  | /     | /",
        "/a.b/c   | /a.b  | /x    | /x/c",
        "/bar     | /     | /xyz  | /xyz/bar",
      })
  void aPrefixIsReplacedByWholeSegments(
      String request, String prefix, String replacement, String expected) {
    PathRewriteIr rewrite = new PathRewriteIr.Prefix(replacement);
    RouteActionIr forward =
        new RouteActionIr.Forward(
            List.of(new WeightedClusterIr("default/api", 1)), null, rewrite, List.of(), null);
    RouteActionIr redirect = new RouteActionIr.Redirect(null, null, null, rewrite, 302);

    assertThat(apply(translate(prefix, forward).getRoute().getRegexRewrite(), request))
        .isEqualTo(expected);
    assertThat(apply(translate(prefix, redirect).getRedirect().getRegexRewrite(), request))
        .isEqualTo(expected);
  }

  private static Route translate(String prefix, RouteActionIr action) {
    RouteIr route =
        new RouteIr(
            "r",
            new RouteMatchIr(new PathMatchIr.Prefix(prefix), List.of(), List.of()),
            action,
            HeaderOpsIr.NONE,
            HeaderOpsIr.NONE,
            null,
            null,
            null,
            new SourceRef("HTTPRoute", "default", "r", 1));
    RouteTableIr table =
        new RouteTableIr("t", List.of(new VirtualHostIr("*", List.of("*"), List.of(route))));
    return Routes.of(table, ProxyKind.ENVOY, KeyRing.empty()).getVirtualHosts(0).getRoutes(0);
  }

  private static String apply(RegexMatchAndSubstitute rewrite, String path) {
    Matcher matcher = Pattern.compile(rewrite.getPattern().getRegex()).matcher(path);
    assertThat(matcher.find()).as("the pattern matches %s", path).isTrue();
    return matcher.replaceFirst(Matcher.quoteReplacement(rewrite.getSubstitution()));
  }
}
