package io.qwenstream.local;

import io.qwenstream.local.client.LauncherException;
import io.qwenstream.local.kafka.LocalKafka;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * The soak's inference workers: the one {@code up} started plus the ones the soak adds to the group (same
 * command line, its own static {@code group.instance.id}, HTTP port and log), recorded in the state so that
 * {@code restart} and {@code down} know them too; which of them owns a partition of qwen.inference; a SIGKILL
 * and a restart.
 */
final class SoakWorkers implements AutoCloseable {

    static final String WORKER = "inference-worker";
    static final String GROUP = "qwenstream-inference-worker";
    private static final String INSTANCE_ID = "-Dmp.messaging.incoming.inference.group.instance.id=";
    private static final String HTTP_PORT = "-Dquarkus.http.port=";

    private final Cluster cluster;
    private final Admin admin;
    private final List<String> added = new ArrayList<>();

    SoakWorkers(Cluster cluster, String bootstrapServers) {
        this.cluster = cluster;
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5_000));
    }

    /** Starts workers 2..{@code count} beside {@code up}'s and waits until each is ready. */
    void startExtra(int count, Duration timeout, PrintStream log) {
        ClusterState state = state();
        ClusterState.Service first = state.services().stream()
                .filter(s -> s.name().equals(WORKER))
                .findFirst()
                .orElseThrow(() -> new LauncherException("the state has no " + WORKER));
        for (int n = 2; n <= count; n++) {
            String name = WORKER + "-" + n;
            int port = Cluster.freePort();
            List<String> command = new ArrayList<>();
            for (String arg : first.process().command()) {
                if (arg.startsWith(INSTANCE_ID)) arg = INSTANCE_ID + GROUP + "-" + n;
                if (arg.startsWith(HTTP_PORT)) arg = HTTP_PORT + port;
                command.add(arg);
            }
            Path logFile = Path.of(first.process().log()).resolveSibling(name + ".log");
            // Recorded as not running yet: `restart` of a process that is not running starts it and waits for it.
            ClusterState.Proc notStarted = new ClusterState.Proc(-1, null, logFile.toString(), List.copyOf(command));
            state = state().withService(new ClusterState.Service(name, notStarted, port));
            state.write(cluster.stateFile());
            added.add(name);
            cluster.restart(name, false, timeout, log);
        }
    }

    /** The worker names in the state, up's first. */
    List<String> names() {
        return state().services().stream()
                .map(ClusterState.Service::name)
                .filter(name -> name.equals(WORKER) || name.startsWith(WORKER + "-"))
                .toList();
    }

    /** Which worker owns each partition of the inference topic now, by its static group.instance.id. */
    Map<TopicPartition, String> owners() {
        Map<String, String> byInstanceId = new HashMap<>();
        for (ClusterState.Service service : state().services()) {
            service.process().command().stream()
                    .filter(arg -> arg.startsWith(INSTANCE_ID))
                    .findFirst()
                    .ifPresent(arg -> byInstanceId.put(arg.substring(INSTANCE_ID.length()), service.name()));
        }
        ConsumerGroupDescription group;
        try {
            group = admin.describeConsumerGroups(List.of(GROUP))
                    .describedGroups()
                    .get(GROUP)
                    .get(15, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return Map.of(); // no answer now (a rebalance, a broker restart): no owner known
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
        Map<TopicPartition, String> owners = new HashMap<>();
        for (MemberDescription member : group.members()) {
            String worker = member.groupInstanceId().map(byInstanceId::get).orElse(null);
            if (worker == null) continue;
            member.assignment().topicPartitions().forEach(partition -> owners.put(partition, worker));
        }
        return owners;
    }

    /** SIGKILLs a worker; returns the epoch ms just before the signal, or -1 when it did not run. */
    long kill(String worker) {
        Optional<ProcessHandle> live = service(worker).process().live();
        if (live.isEmpty()) return -1;
        long at = System.currentTimeMillis();
        LocalKafka.stopProcess(live.get(), Duration.ZERO);
        return at;
    }

    /** Starts a killed worker again with its own command line; returns once it is ready. */
    void restart(String worker, Duration timeout, PrintStream log) {
        cluster.restart(worker, false, timeout, log);
    }

    private ClusterState.Service service(String name) {
        return state().services().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new LauncherException("no " + name + " in " + cluster.stateFile()));
    }

    private ClusterState state() {
        return cluster.runningState();
    }

    /** Stops the workers the soak added and takes them out of the state: the pipeline is left as up made it. */
    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        if (added.isEmpty()) return;
        ClusterState state = state();
        List<ClusterState.Service> kept = new ArrayList<>();
        for (ClusterState.Service service : state.services()) {
            if (added.contains(service.name())) {
                service.process().live().ifPresent(handle -> LocalKafka.stopProcess(handle, Duration.ofSeconds(10)));
            } else {
                kept.add(service);
            }
        }
        new ClusterState(
                        state.bootstrapServers(),
                        state.dataDir(),
                        state.temporaryDataDir(),
                        state.model(),
                        state.tokenizer(),
                        state.broker(),
                        kept,
                        state.topics(),
                        state.startedAt(),
                        state.secure())
                .write(cluster.stateFile());
    }
}
