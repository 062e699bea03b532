/**
 * Test fixtures that put grpc-java's xDS client (grpc-xds) in front of meshgate's xDS output as a
 * real, independent data plane: an in-JVM ADS server ({@link XdsServerFixture}), gRPC clients that
 * resolve {@code xds:///name} through it ({@link io.meshgate.testkit.grpc.GrpcXdsClient}) and
 * backends that say who answered ({@link io.meshgate.testkit.grpc.EchoServers}). Test scope only.
 * What grpc-xds insists on is in README.md beside them.
 */
package io.meshgate.xds.testing;
