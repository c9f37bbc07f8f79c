package io.qwenstream.ingest;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.random.RandomGenerator;
import org.jboss.logging.Logger;

/**
 * Loads the engine's tokenizer and the model's context length in the background at start-up (the
 * Qwen3 vocabulary takes a few seconds), so health answers meanwhile: readiness waits for it.
 * Records that arrive earlier wait for it too. A tokenizer that cannot be loaded stops the service.
 */
@ApplicationScoped
public class PromptService {

    private static final Logger LOG = Logger.getLogger(PromptService.class);

    private final IngestConfig config;
    private final CompletableFuture<RequestPreparer> preparer = new CompletableFuture<>();

    PromptService(IngestConfig config) {
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        Thread.ofPlatform().name("tokenizer-loader").daemon().start(this::load);
    }

    private void load() {
        try {
            long start = System.nanoTime();
            PromptRenderer renderer = PromptRenderer.load(
                    config.model(),
                    config.tokenizer().orElse(null),
                    config.contextLength().isPresent() ? config.contextLength().getAsInt() : null);
            RandomGenerator seeds = new SecureRandom();
            preparer.complete(new RequestPreparer(renderer, config.defaults().maxTokens(), seeds::nextLong));
            LOG.infof(
                    "tokenizer of %s loaded in %d ms; context length %d tokens",
                    config.tokenizer().orElse(config.model()),
                    (System.nanoTime() - start) / 1_000_000,
                    renderer.contextLength());
        } catch (RuntimeException e) {
            preparer.completeExceptionally(e);
            LOG.errorf(
                    e,
                    "cannot load the tokenizer (qwenstream.model=%s, qwenstream.tokenizer=%s): %s",
                    config.model(),
                    config.tokenizer().orElse(null),
                    e.getMessage());
            Quarkus.asyncExit(1);
        }
    }

    public boolean isReady() {
        return preparer.isDone() && !preparer.isCompletedExceptionally();
    }

    /** The preparer, once the tokenizer is loaded (blocks until then). */
    public RequestPreparer preparer() {
        try {
            return preparer.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the tokenizer", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "the tokenizer could not be loaded: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
