# An Envoy for one Gateway, configured by the meshgate replicas of meshgate-xds.nomad.hcl.
#
#   meshgate cert issue --ca ca --group gateway/shop/web --out gateway-web
#   nomad var put nomad/jobs/envoy-gateway tls_crt=@gateway-web/tls.crt \
#     tls_key=@gateway-web/tls.key xds_ca_crt=@ca/ca.crt
#   nomad job run -var gateway=web -var gateway_namespace=shop envoy-gateway.nomad.hcl
#
# Its bootstrap is the one `meshgate bootstrap --gateway web --namespace shop --node-id ID
# --xds A,B,C --tls-ca /secrets/xds-ca.pem --cert-dir /secrets` prints (deploy NomadJobsTest
# holds the two together), with ID the allocation's id and A,B,C the replicas registered as
# meshgate-xds, rendered by the template below. The bootstrap names the certificate files, which
# Envoy reads; it holds no secret. Envoy reads a bootstrap only when it starts: when the
# registered replicas change, the template restarts the task (change_mode below).

variable "gateway" {
  type        = string
  description = "The Gateway resource this Envoy serves."
  default     = "web"
}

variable "gateway_namespace" {
  type    = string
  default = "shop"
}

variable "service_provider" {
  type        = string
  description = "consul or nomad: the catalog meshgate-xds registers in."
  default     = "consul"
}

variable "envoy_image" {
  type    = string
  default = "envoyproxy/envoy:v1.32-latest"
}

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

locals {
  # The template function that lists a service of that catalog.
  services = var.service_provider == "nomad" ? "nomadService" : "service"
}

job "envoy-gateway" {
  datacenters = var.datacenters
  type        = "service"

  update {
    max_parallel     = 1
    health_check     = "checks"
    min_healthy_time = "10s"
    healthy_deadline = "3m"
    auto_revert      = true
  }

  group "gateway" {
    count = 2

    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    network {
      # The Gateway's listener port (its spec says which); Envoy binds it on the host network.
      port "http" {
        static = 8080
      }
    }

    service {
      provider = var.service_provider
      name     = "envoy-gateway-${var.gateway_namespace}-${var.gateway}"
      port     = "http"

      check {
        name     = "listener"
        type     = "tcp"
        port     = "http"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "envoy" {
      driver = "docker"

      config {
        image        = var.envoy_image
        network_mode = "host"
        command      = "envoy"
        args         = ["--config-path", "/local/bootstrap.yaml", "--log-level", "info"]
      }

      # The client certificate of the group gateway/<namespace>/<name>, and the CA of the replicas'
      # server certificate, from the Nomad variable; the files Envoy reads under /secrets.
      template {
        destination = "secrets/tls.crt"
        perms       = "0644"
        change_mode = "restart"
        data        = <<-EOT
        {{- with nomadVar "nomad/jobs/envoy-gateway" }}{{ .tls_crt }}{{ end }}
        EOT
      }

      template {
        destination = "secrets/tls.key"
        perms       = "0600"
        # Envoy's image runs Envoy as its envoy user (uid 101), which must read the key.
        uid = 101
        gid = 101
        change_mode = "restart"
        data        = <<-EOT
        {{- with nomadVar "nomad/jobs/envoy-gateway" }}{{ .tls_key }}{{ end }}
        EOT
      }

      template {
        destination = "secrets/xds-ca.pem"
        perms       = "0644"
        change_mode = "restart"
        data        = <<-EOT
        {{- with nomadVar "nomad/jobs/envoy-gateway" }}{{ .xds_ca_crt }}{{ end }}
        EOT
      }

      # What `meshgate bootstrap --gateway` writes: the node names its Gateway, ADS over delta gRPC
      # to xds_cluster, one endpoint per registered replica, mutual TLS with the files above.
      template {
        destination = "local/bootstrap.yaml"
        change_mode = "restart"
        splay       = "30s"
        data        = <<-EOT
        node:
          id: {{ env "NOMAD_ALLOC_ID" }}
          cluster: gateway/${var.gateway_namespace}/${var.gateway}
          metadata:
            meshgate.io/gateway: ${var.gateway_namespace}/${var.gateway}
        dynamic_resources:
          ads_config:
            api_type: DELTA_GRPC
            transport_api_version: V3
            grpc_services:
            - envoy_grpc:
                cluster_name: xds_cluster
            set_node_on_first_message_only: true
          cds_config:
            ads: {}
            resource_api_version: V3
          lds_config:
            ads: {}
            resource_api_version: V3
        static_resources:
          clusters:
          - name: xds_cluster
            type: STRICT_DNS
            connect_timeout: 5s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config:
                  http2_protocol_options: {}
            load_assignment:
              cluster_name: xds_cluster
              endpoints:
              - lb_endpoints:
        {{- range ${local.services} "meshgate-xds" }}
                - endpoint:
                    address:
                      socket_address:
                        address: {{ .Address }}
                        port_value: {{ .Port }}
        {{- end }}
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                common_tls_context:
                  validation_context:
                    trusted_ca:
                      filename: /secrets/xds-ca.pem
                  tls_certificates:
                  - certificate_chain:
                      filename: /secrets/tls.crt
                    private_key:
                      filename: /secrets/tls.key
        admin:
          address:
            socket_address:
              address: 127.0.0.1
              port_value: 9901
        EOT
      }

      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      resources {
        cpu    = 1000
        memory = 512
      }
    }
  }
}
