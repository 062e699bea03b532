/**
 * The agent a VM runs ({@code meshgate register}): it keeps the VM's Workload registered through
 * one of the xds-nodes it is given, runs the Workload's health check and reports the outcome, and
 * registers again through another node when its node goes away. It never talks to etcd.
 */
@NullMarked
package io.meshgate.xds.agent;

import org.jspecify.annotations.NullMarked;
