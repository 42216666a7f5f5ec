package io.pulsarws.testing.broker;

/**
 * Entry point of the ZooKeeper child JVM of a standalone in ZooKeeper mode: like {@link BrokerMain}, it exits
 * when the process it watches is gone, then runs a real ZooKeeper server ({@code QuorumPeerMain}, stand-alone).
 * Arguments: {@code <watched pid or 0> <zoo.cfg>}.
 */
public final class ZooKeeperMain {
    private ZooKeeperMain() {}

    public static void main(String[] args) throws Exception {
        BrokerMain.watch(Long.parseLong(args[0]));
        org.apache.zookeeper.server.quorum.QuorumPeerMain.main(new String[] {args[1]});
    }
}
