/**
 * edge: the configs of the services meshgate runs next to Envoy, derived from the resolved IR — the
 * same records the {@code envoy} stage translates, so what Envoy asks and what a service answers
 * come from one source. Pure, like {@code resolve}, {@code ir} and {@code envoy}.
 */
package io.meshgate.xds.edge;
