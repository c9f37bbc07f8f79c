package io.qwenstream.engine;

/**
 * A model file (GGUF, safetensors, their index) that the engine cannot read: malformed, truncated,
 * or using something the engine does not support. The message names the file and, where it
 * applies, the tensor or metadata key at fault.
 */
public class ModelFormatException extends RuntimeException {

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
