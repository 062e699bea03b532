package io.meshgate.testkit;

/** A JVM for {@link RedisServerIT} to kill: starts a redis-server, prints its pid, then waits. */
final class RedisHolder {
  private RedisHolder() {}

  public static void main(String[] args) throws InterruptedException {
    RedisServer redis = RedisServer.local().start();
    System.out.println("pid " + redis.pid().orElseThrow());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
