package io.meshgate.xds.ir;

/**
 * What a consistent-hash load balancer (ring hash, maglev) hashes on: exactly one of a request
 * header, a cookie, or the client's address.
 */
public record HashOnIr(String header, String cookie, boolean sourceIp) {}
