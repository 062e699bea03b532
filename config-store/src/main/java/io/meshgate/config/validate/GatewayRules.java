package io.meshgate.config.validate;

import io.meshgate.config.model.ClientIpDetection;
import io.meshgate.config.model.FromNamespaces;
import io.meshgate.config.model.GatewayListener;
import io.meshgate.config.model.GatewaySpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ListenerProtocol;
import io.meshgate.config.model.ListenerTls;
import io.meshgate.config.model.Patterns;
import io.meshgate.config.model.SecretObjectRef;
import io.meshgate.config.model.TlsMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Listener names, port sharing, and TLS settings that fit the protocol. */
final class GatewayRules {
  private GatewayRules() {}

  static void check(GatewaySpec gateway, Problems problems) {
    List<GatewayListener> listeners = gateway.listeners();
    Map<String, Integer> names = new HashMap<>();
    Map<String, Integer> portHostnames = new HashMap<>();
    Map<Integer, Integer> portOwners = new HashMap<>();
    for (int i = 0; i < listeners.size(); i++) {
      GatewayListener listener = listeners.get(i);
      String at = "/spec/listeners/" + i;
      Integer sameName = names.putIfAbsent(listener.name(), i);
      if (sameName != null) {
        problems.add(
            at + "/name",
            "duplicate listener name (also " + problems.item("/spec/listeners/" + sameName) + ")",
            listener.name());
      }
      String hostname = listener.hostname() == null ? "*" : listener.hostname();
      Integer samePortHostname = portHostnames.putIfAbsent(listener.port() + " " + hostname, i);
      if (samePortHostname != null) {
        problems.add(
            at,
            "duplicate port and hostname "
                + listener.port()
                + "/"
                + hostname
                + " (also "
                + problems.item("/spec/listeners/" + samePortHostname)
                + ")",
            null);
      }
      Integer portOwner = portOwners.putIfAbsent(listener.port(), i);
      if (portOwner != null
          && !canSharePort(listeners.get(portOwner).protocol(), listener.protocol())) {
        problems.add(
            at + "/protocol",
            "port "
                + listener.port()
                + " is also used by "
                + problems.item("/spec/listeners/" + portOwner)
                + " ("
                + listeners.get(portOwner).protocol()
                + "); HTTP, HTTPS/TLS and TCP listeners cannot share a port",
            listener.protocol());
      }
      if (listener.clientIPDetection() != null
          && listener.protocol() != ListenerProtocol.HTTP
          && listener.protocol() != ListenerProtocol.HTTPS) {
        problems.add(
            at + "/clientIPDetection",
            "only for HTTP and HTTPS listeners (X-Forwarded-For is an HTTP header)",
            null);
      }
      if (portOwner != null
          && listener.protocol() == ListenerProtocol.HTTP
          && listeners.get(portOwner).protocol() == ListenerProtocol.HTTP
          && !Objects.equals(
              hops(listeners.get(portOwner).clientIPDetection()),
              hops(listener.clientIPDetection()))) {
        problems.add(
            at + "/clientIPDetection",
            "HTTP listeners on port "
                + listener.port()
                + " share one connection manager and must trust the same proxies (differs from "
                + problems.item("/spec/listeners/" + portOwner)
                + ")",
            null);
      }
      if (listener.hostname() != null && Addresses.looksLikeIp(listener.hostname())) {
        problems.add(
            at + "/hostname", "must be a hostname, not an IP address", listener.hostname());
      }
      if (listener.protocol() == ListenerProtocol.TCP && listener.hostname() != null) {
        problems.add(
            at + "/hostname",
            "not allowed on TCP listeners (TCP carries no hostname)",
            listener.hostname());
      }
      checkTls(listener, at, problems);
      if (listener.allowedRoutes() != null && listener.allowedRoutes().namespaces() != null) {
        var namespaces = listener.allowedRoutes().namespaces();
        String nsAt = at + "/allowedRoutes/namespaces";
        if (namespaces.from() == FromNamespaces.SELECTOR && namespaces.selector() == null) {
          problems.add(nsAt + "/selector", "is required when from is Selector", null);
        }
        if (namespaces.from() != FromNamespaces.SELECTOR && namespaces.selector() != null) {
          problems.add(nsAt + "/selector", "only allowed when from is Selector", null);
        }
      }
    }
  }

  private static boolean canSharePort(ListenerProtocol a, ListenerProtocol b) {
    return group(a) == group(b);
  }

  private static int group(ListenerProtocol protocol) {
    return switch (protocol) {
      case HTTP -> 0;
      case HTTPS, TLS -> 1;
      case TCP -> 2;
    };
  }

  private static void checkTls(GatewayListener listener, String at, Problems problems) {
    ListenerTls tls = listener.tls();
    switch (listener.protocol()) {
      case HTTP, TCP -> {
        if (tls != null) {
          problems.add(at + "/tls", "not allowed on " + listener.protocol() + " listeners", null);
        }
      }
      case HTTPS -> {
        if (tls == null) {
          problems.add(at + "/tls", "is required on HTTPS listeners (certificateRefs)", null);
        } else if (tls.mode() != TlsMode.TERMINATE) {
          problems.add(
              at + "/tls/mode",
              "HTTPS listeners terminate TLS; use protocol TLS for Passthrough",
              "Passthrough");
        } else if (tls.certificateRefs().isEmpty()) {
          problems.add(
              at + "/tls/certificateRefs",
              "at least one certificate is required to terminate TLS",
              null);
        }
      }
      case TLS -> {
        if (tls == null) {
          problems.add(
              at + "/tls", "is required on TLS listeners (mode Passthrough or Terminate)", null);
        } else if (tls.mode() == TlsMode.PASSTHROUGH && !tls.certificateRefs().isEmpty()) {
          problems.add(at + "/tls/certificateRefs", "not allowed with mode Passthrough", null);
        } else if (tls.mode() == TlsMode.TERMINATE && tls.certificateRefs().isEmpty()) {
          problems.add(
              at + "/tls/certificateRefs",
              "at least one certificate is required to terminate TLS",
              null);
        }
      }
    }
    if (tls != null) {
      for (int j = 0; j < tls.certificateRefs().size(); j++) {
        checkCertificateRef(
            tls.certificateRefs().get(j), at + "/tls/certificateRefs/" + j, problems);
      }
    }
  }

  private static void checkCertificateRef(SecretObjectRef ref, String at, Problems problems) {
    if (ref.isFile()) {
      if (!Kind.Groups.MESHGATE.equals(ref.group())) {
        problems.add(at + "/group", "must be meshgate.io for kind File", ref.group());
      }
      if (!ref.name().startsWith("/")
          || ref.name().contains("/../")
          || ref.name().endsWith("/..")) {
        problems.add(
            at + "/name", "a File reference names an absolute path without '..'", ref.name());
      }
      if (ref.namespace() != null) {
        problems.add(at + "/namespace", "not allowed for kind File", ref.namespace());
      }
    } else if ("Secret".equals(ref.kind())) {
      if (!ref.group().isEmpty()) {
        problems.add(at + "/group", "must be empty (core) for kind Secret", ref.group());
      }
      if (!ref.name().matches(Patterns.NAME) || ref.name().length() > 253) {
        problems.add(at + "/name", "must be a Secret name (lowercase RFC 1123)", ref.name());
      }
    } else {
      problems.add(at + "/kind", "must be Secret, or File with group meshgate.io", ref.kind());
    }
  }

  /** The trusted hops a listener states; null when it trusts no X-Forwarded-For. */
  private static Integer hops(ClientIpDetection detection) {
    return detection == null ? null : detection.xForwardedFor().numTrustedHops();
  }
}
