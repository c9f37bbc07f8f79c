package io.qwenstream.worker;

import io.quarkus.runtime.Startup;
import io.qwenstream.engine.Engine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Loads the model once, when the worker starts; its weights stay memory-mapped until shutdown. */
@ApplicationScoped
public class EngineProducer {

    private static final Logger LOG = Logger.getLogger(EngineProducer.class);

    // @Startup: loaded on the main thread while the app starts, before any channel runs, never lazily on an event loop.
    @Produces
    @Singleton
    @Startup
    Engine engine(WorkerConfig config) {
        // The matmul pool's size is fixed by its first use: set it before the model runs.
        config.threads().ifPresent(Engine::useThreads);
        long start = System.nanoTime();
        Engine engine = Engine.load(config.model(), config.tokenizer().orElse(null));
        try {
            engine.chat(); // prompts arrive as text: a model without tokenizer files cannot serve
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        LOG.infof("loaded %s in %d ms: %s", config.model(), (System.nanoTime() - start) / 1_000_000, engine.describe());
        return engine;
    }

    void close(@Disposes Engine engine) {
        engine.close();
    }
}
