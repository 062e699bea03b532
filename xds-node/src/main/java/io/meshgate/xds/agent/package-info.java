/**
 * The agents that run beside workloads and talk to the xds-nodes they are given, never to etcd:
 * {@code meshgate register} keeps a VM's Workload registered (it runs the Workload's health check,
 * reports the outcome, and registers again through another node when its node goes away), and
 * {@code meshgate identity} keeps a proxyless gRPC service's mesh identity as files for gRPC's
 * {@code file_watcher} certificate provider (its private key never leaves the host).
 */
@NullMarked
package io.meshgate.xds.agent;

import org.jspecify.annotations.NullMarked;
