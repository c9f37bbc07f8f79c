package io.qwenstream.postprocess.assemble;

import io.qwenstream.schemas.PreparedRequest;

/**
 * A PreparedRequest as postprocess keeps it until its response is out.
 *
 * @param sourceText the text a translate or summarize request was about: the request's top-level
 *     {@code text} when ingest forwards it, else null (the last user message stands in)
 * @param preparedAtMs record time of the PreparedRequest on qwen.inference
 * @param traceparent its W3C trace context, used when the chunks carry none
 */
public record KnownRequest(PreparedRequest prepared, String sourceText, long preparedAtMs, String traceparent) {}
