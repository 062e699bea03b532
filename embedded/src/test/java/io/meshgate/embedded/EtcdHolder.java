package io.meshgate.embedded;

/**
 * A JVM for {@link TetherIT} to kill: starts a 3-member {@link LocalEtcd}, prints its data
 * directory and each member's pid, then waits to be killed.
 */
final class EtcdHolder {
  private EtcdHolder() {}

  public static void main(String[] args) throws InterruptedException {
    LocalEtcd etcd = LocalEtcd.start(3);
    System.out.println("data-dir " + etcd.dataDir());
    etcd.members().forEach(m -> System.out.println("pid " + m.pid().orElseThrow()));
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
