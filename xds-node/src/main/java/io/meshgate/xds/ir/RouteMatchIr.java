package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** All conditions must hold. */
public record RouteMatchIr(
    PathMatchIr path, List<HeaderMatchIr> headers, List<HeaderMatchIr> queryParams) {
  public RouteMatchIr {
    requireNonNull(path, "path");
    headers = Lists.copy(headers);
    queryParams = Lists.copy(queryParams);
  }
}
