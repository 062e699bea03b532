/**
 * trace: traces of config events (OpenTelemetry), off unless {@code OTEL_EXPORTER_OTLP_ENDPOINT} is
 * set: {@code meshgate apply}'s publish span, the applier's apply span, and on each replica a build
 * span per event a build newly contains and a push span at the first response of a snapshot holding
 * it. The context travels in the Kafka record's {@code traceparent} header and the applied offset's
 * value in etcd. Spans carry bounded attributes only: never a secret, never a resource.
 */
package io.meshgate.xds.trace;
