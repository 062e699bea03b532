package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import java.util.Map;
import java.util.TreeMap;

/**
 * Access logs of gateway listeners: one JSON object per request (or TCP connection) on Envoy's
 * stdout, where container runtimes, journald and Nomad collect it. The fields are what an operator
 * needs to follow a request: who, what, which route and upstream, how it ended and how long it
 * took.
 */
final class AccessLogs {
  static final String STDOUT = "envoy.access_loggers.stdout";

  /** Field → Envoy command operator; sorted, so the resource is the same on every replica. */
  private static final Map<String, String> FIELDS =
      new TreeMap<>(
          Map.ofEntries(
              Map.entry("start_time", "%START_TIME%"),
              Map.entry("method", "%REQ(:METHOD)%"),
              Map.entry("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"),
              Map.entry("protocol", "%PROTOCOL%"),
              Map.entry("authority", "%REQ(:AUTHORITY)%"),
              Map.entry("response_code", "%RESPONSE_CODE%"),
              Map.entry("response_flags", "%RESPONSE_FLAGS%"),
              Map.entry("grpc_status", "%GRPC_STATUS%"),
              Map.entry("bytes_received", "%BYTES_RECEIVED%"),
              Map.entry("bytes_sent", "%BYTES_SENT%"),
              Map.entry("duration_ms", "%DURATION%"),
              Map.entry("upstream_service_time_ms", "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%"),
              Map.entry("x_forwarded_for", "%REQ(X-FORWARDED-FOR)%"),
              Map.entry("user_agent", "%REQ(USER-AGENT)%"),
              Map.entry("request_id", "%REQ(X-REQUEST-ID)%"),
              Map.entry("route_name", "%ROUTE_NAME%"),
              Map.entry("upstream_cluster", "%UPSTREAM_CLUSTER%"),
              Map.entry("upstream_host", "%UPSTREAM_HOST%"),
              Map.entry("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%")));

  /** For TCP proxies: the connection, where it went, and how it ended. */
  private static final Map<String, String> TCP_FIELDS =
      new TreeMap<>(
          Map.ofEntries(
              Map.entry("start_time", "%START_TIME%"),
              Map.entry("server_name", "%REQUESTED_SERVER_NAME%"),
              Map.entry("response_flags", "%RESPONSE_FLAGS%"),
              Map.entry("bytes_received", "%BYTES_RECEIVED%"),
              Map.entry("bytes_sent", "%BYTES_SENT%"),
              Map.entry("duration_ms", "%DURATION%"),
              Map.entry("upstream_cluster", "%UPSTREAM_CLUSTER%"),
              Map.entry("upstream_host", "%UPSTREAM_HOST%"),
              Map.entry("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%")));

  static final AccessLog STDOUT_JSON = stdoutJson(FIELDS);
  static final AccessLog TCP_JSON = stdoutJson(TCP_FIELDS);

  private AccessLogs() {}

  private static AccessLog stdoutJson(Map<String, String> fields) {
    Struct.Builder json = Struct.newBuilder();
    fields.forEach(
        (field, operator) ->
            json.putFields(field, Value.newBuilder().setStringValue(operator).build()));
    StdoutAccessLog stdout =
        StdoutAccessLog.newBuilder()
            .setLogFormat(SubstitutionFormatString.newBuilder().setJsonFormat(json))
            .build();
    return AccessLog.newBuilder().setName(STDOUT).setTypedConfig(Any.pack(stdout)).build();
  }
}
