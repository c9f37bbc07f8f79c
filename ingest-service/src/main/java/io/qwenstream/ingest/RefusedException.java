package io.qwenstream.ingest;

import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;

/**
 * A request refused while it is prepared (after schema validation): the flow answers it with an
 * error response carrying {@link #error()} and copies the raw record to the dead-letter topic.
 */
public final class RefusedException extends RuntimeException {

    private final ErrorDetail error;

    public RefusedException(ErrorCode code, String message, String field) {
        super(code.wire() + ": " + message, null, false, false);
        this.error = new ErrorDetail(code, message, field);
    }

    public ErrorDetail error() {
        return error;
    }
}
