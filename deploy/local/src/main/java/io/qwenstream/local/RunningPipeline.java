package io.qwenstream.local;

import io.qwenstream.local.kafka.Topics;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a tool beside the launcher (bench-pipeline) needs of the pipeline {@code ./qwenstream up} started: where
 * its broker is, its topics, and the model its worker serves.
 *
 * @param clientSecurity the client settings a {@code --secure} broker asks for (empty on plaintext)
 * @param tokenizer null when the model carries its own tokenizer
 */
public record RunningPipeline(
        String bootstrapServers, Topics topics, Map<String, Object> clientSecurity, String model, String tokenizer) {

    /** The pipeline {@code up} started from {@code root} with its state in {@code stateDir}; fails when none is up. */
    public static RunningPipeline of(Path root, Path stateDir) {
        Cluster cluster = new Cluster(root, stateDir);
        ClusterState state = cluster.runningState();
        return new RunningPipeline(
                state.bootstrapServers(), state.topicNames(), state.clientSecurity(), state.model(), state.tokenizer());
    }

    /** {@code qwenstream.root} (the repository, "." when unset) as the launcher reads it. */
    public static Path root() {
        return Path.of(System.getProperty("qwenstream.root", "."))
                .toAbsolutePath()
                .normalize();
    }

    /** {@code qwenstream.state-dir}, by default {@code <root>/.qwenstream}, as the launcher reads it. */
    public static Path stateDir(Path root) {
        return Path.of(System.getProperty(
                "qwenstream.state-dir", root.resolve(".qwenstream").toString()));
    }
}
