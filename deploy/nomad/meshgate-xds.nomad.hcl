# Three meshgate replicas (meshgate node) on three Nomad clients, from the distribution archive.
#
#   nomad var put nomad/jobs/meshgate-xds kafka=... etcd=... admin_token=@admin.token \
#     xds_tls_crt=@xds/tls.crt xds_tls_key=@xds/tls.key proxy_ca_crt=@ca/ca.crt
#   nomad job run -var archive_url=https://artifacts.internal/meshgate-0.1.0-SNAPSHOT.tar.gz \
#     meshgate-xds.nomad.hcl
#
# The exec driver runs the archive's bin/meshgate with the client's Java 17, the same launcher and
# lib/ a VM install runs (docs/operations.md, "Run on Nomad"). Settings come from the Nomad
# variable nomad/jobs/meshgate-xds through templates: nothing secret is written in this file.
# With -var service_provider=nomad the replicas register in Nomad's own service catalog instead of
# Consul's; Nomad's own checks do HTTP and TCP only, so the gRPC check becomes a TCP one.

variable "archive_url" {
  type        = string
  description = "Where Nomad clients download meshgate-<version>.tar.gz (the artifact block unpacks it)."
}

variable "version" {
  type    = string
  default = "0.1.0-SNAPSHOT"
}

variable "java_home" {
  type        = string
  description = "A Java 17 or newer on every client (Debian: openjdk-17-jre-headless)."
  default     = "/usr/lib/jvm/java-17-openjdk-amd64"
}

variable "service_provider" {
  type        = string
  description = "consul or nomad: the catalog the replicas register in."
  default     = "consul"
}

variable "task_uid" {
  type        = number
  description = "The user the exec driver runs the task as (nobody, 65534, unless the task sets user): it owns the rendered credentials."
  default     = 65534
}

variable "task_gid" {
  type    = number
  default = 65534
}

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

locals {
  # grpc.health.v1 service the replica reports SERVING while its xDS port takes streams.
  health_service = "envoy.service.discovery.v3.AggregatedDiscoveryService"
}

job "meshgate-xds" {
  datacenters = var.datacenters
  type        = "service"

  # One replica at a time: the next starts only when the new one passes its checks (its /readyz
  # says the first load from etcd is translated) for min_healthy_time; a replica that never gets
  # healthy rolls the job back.
  update {
    max_parallel      = 1
    health_check      = "checks"
    min_healthy_time  = "15s"
    healthy_deadline  = "3m"
    progress_deadline = "10m"
    auto_revert       = true
  }

  group "xds" {
    count = 3

    # One replica per client: a lost client takes one replica, the proxies reconnect to another.
    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    spread {
      attribute = "${node.datacenter}"
    }

    network {
      # The node's default ports (NodeSettings: 18000 for xDS, 19000 for the admin port), on the
      # client's own address so proxies outside Nomad reach them.
      port "xds" {
        static = 18000
      }
      port "admin" {
        static = 19000
      }
    }

    service {
      provider = var.service_provider
      name     = "meshgate-xds"
      port     = "xds"
      tags     = ["xds", "grpc"]

      dynamic "check" {
        for_each = var.service_provider == "consul" ? ["grpc"] : ["tcp"]
        content {
          name            = "ads"
          type            = check.value
          port            = "xds"
          grpc_service    = check.value == "grpc" ? local.health_service : null
          grpc_use_tls    = check.value == "grpc" ? true : null
          # Consul does not hold the proxy CA: the check proves the port answers gRPC, not who it is.
          tls_skip_verify = check.value == "grpc" ? true : null
          interval        = "10s"
          timeout         = "2s"
        }
      }

      check {
        name     = "readyz"
        type     = "http"
        port     = "admin"
        path     = "/readyz"
        interval = "5s"
        timeout  = "2s"
      }
    }

    restart {
      attempts = 5
      interval = "2m"
      delay    = "5s"
      mode     = "delay"
    }

    task "node" {
      driver = "exec"

      artifact {
        source      = var.archive_url
        destination = "local"
      }

      config {
        command = "local/meshgate-${var.version}/bin/meshgate"
        args    = ["node"]
      }

      env {
        JAVA_HOME          = var.java_home
        MESHGATE_JAVA_OPTS = "-XX:MaxRAMPercentage=75"
        MESHGATE_XDS_ADDR  = "${NOMAD_ADDR_xds}"
        # Off loopback, so the admin port needs its token file (for /debug; /readyz stays open).
        MESHGATE_ADMIN_ADDR       = "${NOMAD_ADDR_admin}"
        MESHGATE_ADMIN_TOKEN_FILE = "${NOMAD_SECRETS_DIR}/admin.token"
        MESHGATE_XDS_TLS_CERT     = "${NOMAD_SECRETS_DIR}/xds/tls.crt"
        MESHGATE_XDS_TLS_KEY      = "${NOMAD_SECRETS_DIR}/xds/tls.key"
        MESHGATE_XDS_CLIENT_CA    = "${NOMAD_SECRETS_DIR}/ca.crt"
      }

      # The estate's addresses; the same on every replica. Add here any other setting of
      # conf/node.env, e.g. MESHGATE_MESH_DEFAULT_PERMISSION, which must match on every replica.
      template {
        destination = "local/node.env"
        env         = true
        change_mode = "restart"
        data        = <<-EOT
        {{- with nomadVar "nomad/jobs/meshgate-xds" }}
        MESHGATE_KAFKA={{ .kafka }}
        MESHGATE_ETCD={{ .etcd }}
        {{- end }}
        EOT
      }

      template {
        destination = "secrets/admin.token"
        perms       = "0600"
        uid         = var.task_uid
        gid         = var.task_gid
        change_mode = "restart"
        data        = <<-EOT
        {{- with nomadVar "nomad/jobs/meshgate-xds" }}{{ .admin_token }}{{ end }}
        EOT
      }

      # One server certificate for every replica: its names cover the clients' addresses and
      # meshgate-xds.service.consul (meshgate cert issue --server --dns ... --ip ...).
      template {
        destination = "secrets/xds/tls.crt"
        perms       = "0600"
        uid         = var.task_uid
        gid         = var.task_gid
        change_mode = "restart"
        data        = <<-EOT
        {{- with nomadVar "nomad/jobs/meshgate-xds" }}{{ .xds_tls_crt }}{{ end }}
        EOT
      }

      template {
        destination = "secrets/xds/tls.key"
        perms       = "0600"
        uid         = var.task_uid
        gid         = var.task_gid
        change_mode = "restart"
        data        = <<-EOT
        {{- with nomadVar "nomad/jobs/meshgate-xds" }}{{ .xds_tls_key }}{{ end }}
        EOT
      }

      template {
        destination = "secrets/ca.crt"
        change_mode = "restart"
        data        = <<-EOT
        {{- with nomadVar "nomad/jobs/meshgate-xds" }}{{ .proxy_ca_crt }}{{ end }}
        EOT
      }

      # SIGTERM: the replica sends GOAWAY, waits 5 s for streams to move, ends the rest
      # (proxies reconnect to another replica) and exits; Nomad waits up to kill_timeout.
      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      resources {
        cpu    = 2000
        memory = 2048
      }
    }
  }
}
