package io.qwenstream.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once the tokenizer is loaded: before that no request can be prepared. */
@Readiness
@ApplicationScoped
public class TokenizerReadiness implements HealthCheck {

    private final PromptService prompts;

    TokenizerReadiness(PromptService prompts) {
        this.prompts = prompts;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("tokenizer").status(prompts.isReady()).build();
    }
}
