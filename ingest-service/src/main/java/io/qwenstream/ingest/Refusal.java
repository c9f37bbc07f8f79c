package io.qwenstream.ingest;

/**
 * Why a record is refused: the {@code error} of the InferenceResponse it gets, and the
 * {@code dlq.*} headers of its copy on the dead-letter topic.
 *
 * @param code    one of the error codes of PIPELINE.md ({@code invalid_json}, {@code out_of_range}…)
 * @param message what is wrong, for a human
 * @param field   JSON pointer of the offending field, null when the record as a whole is at fault
 */
public record Refusal(String code, String message, String field) {

    public static final String INVALID_JSON = "invalid_json";
    public static final String INVALID_UTF8 = "invalid_utf8";
    public static final String SCHEMA_VIOLATION = "schema_violation";
    public static final String UNKNOWN_TASK = "unknown_task";
    public static final String EMPTY_MESSAGES = "empty_messages";
    public static final String OUT_OF_RANGE = "out_of_range";
    public static final String PROMPT_TOO_LONG = "prompt_too_long";
    public static final String RECORD_TOO_LARGE = "record_too_large";
    public static final String GREEDY_IN_THINKING_MODE = "greedy_in_thinking_mode";
    public static final String INTERNAL = "internal";

    public static Refusal of(String code, String message) {
        return new Refusal(code, message, null);
    }

    /** Thrown by the preparation steps; the flow turns it into an error response and a DLQ record. */
    public static final class Exception extends RuntimeException {
        private final Refusal refusal;

        public Exception(Refusal refusal) {
            super(refusal.code() + ": " + refusal.message(), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    public Exception toException() {
        return new Exception(this);
    }
}
