package io.pulsarws.testing.broker;

import java.util.Arrays;

/**
 * Entry point of the broker's child JVM: exits when the process it watches (the build, or the run script) is
 * gone, so that a broker never outlives what started it, then hands over to Pulsar's standalone starter.
 * Arguments: {@code <watched pid or 0> <PulsarStandaloneStarter arguments...>}.
 */
public final class BrokerMain {
    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        watch(Long.parseLong(args[0]));
        org.apache.pulsar.PulsarStandaloneStarter.main(Arrays.copyOfRange(args, 1, args.length));
    }

    /** Exits this JVM when the watched process (0: none) exits, or at once if it is gone already. */
    static void watch(long watched) {
        if (watched > 0) {
            ProcessHandle parent = ProcessHandle.of(watched).orElse(null);
            if (parent == null || !parent.isAlive()) {
                System.err.println("watched process " + watched + " is gone; not starting");
                System.exit(3);
            }
            parent.onExit().thenRun(() -> {
                System.err.println("watched process " + watched + " exited; stopping the broker");
                System.exit(0);
            });
        }
    }
}
