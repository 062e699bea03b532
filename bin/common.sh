# Shared by bin/meshgate and bin/test; sourced, not run.

# Installs etcd-server where it is missing: through apt on Debian when running as root, otherwise
# by printing the exact command and failing.
ensure_etcd() {
  if [ -n "${MESHGATE_ETCD_BIN:-}" ] || command -v etcd >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "meshgate: installing etcd-server (apt-get) ..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >&2
    return 0
  fi
  echo "meshgate: the etcd binary is missing. Install it with:" >&2
  echo "  sudo apt-get install -y etcd-server" >&2
  return 1
}

# etcdctl, for the etcd backup and restore test (deploy EtcdBackupRestoreIT); Debian ships it apart
# from the server, in etcd-client.
ensure_etcdctl() {
  if command -v etcdctl >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "meshgate: installing etcd-client (apt-get) ..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-client >&2
    return 0
  fi
  echo "meshgate: etcdctl is missing (the etcd backup and restore test runs it). Install it with:" >&2
  echo "  sudo apt-get install -y etcd-client" >&2
  return 1
}

ensure_redis() {
  if [ -n "${MESHGATE_REDIS_BIN:-}" ] || command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "meshgate: installing redis-server (apt-get) ..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
    return 0
  fi
  echo "meshgate: the redis-server binary is missing (the edge module's tests start it). Install it with:" >&2
  echo "  sudo apt-get install -y redis-server" >&2
  return 1
}

ensure_java_and_maven() {
  local missing=0
  command -v java >/dev/null 2>&1 || { echo "meshgate: java (17 or newer) is missing" >&2; missing=1; }
  command -v mvn >/dev/null 2>&1 || { echo "meshgate: mvn (Maven 3.8 or newer) is missing" >&2; missing=1; }
  return $missing
}
