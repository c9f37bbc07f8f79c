package io.qwenstream.worker;

import io.qwenstream.schemas.ControlAction;
import io.qwenstream.schemas.ControlMessage;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Validation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads qwen.control into {@link Cancellations}, which the running generations consult. Every worker reads
 * all of qwen.control (its own consumer group) since any of them may run the request.
 */
@ApplicationScoped
public class ControlListener {

    private static final Logger LOG = Logger.getLogger(ControlListener.class);

    private final Cancellations cancellations;
    private final WorkerMetrics metrics;
    private final MessageValidator validator;

    @Inject
    ControlListener(Cancellations cancellations, WorkerMetrics metrics, WorkerConfig config) {
        this.cancellations = cancellations;
        this.metrics = metrics;
        this.validator = new MessageValidator(config.maxRecordBytes());
    }

    @Incoming("control")
    public void control(ConsumerRecord<String, byte[]> record) {
        switch (validator.validate(ControlMessage.class, record.value())) {
            case Validation.Valid<ControlMessage>(ControlMessage message)
            when message.action() == ControlAction.CANCEL -> {
                if (cancellations.cancel(message.requestId(), record.timestamp(), System.currentTimeMillis())) {
                    LOG.debugf("request %s: cancel received", message.requestId());
                }
            }
            case Validation.Valid<ControlMessage>(ControlMessage message) ->
                LOG.warnf("qwen.control offset %d: action %s is not handled here", record.offset(), message.action());
            case Validation.Invalid<ControlMessage>(ErrorDetail error) -> {
                metrics.invalidRecord(record.topic(), error.code().wire());
                LOG.warnf(
                        "qwen.control partition %d offset %d refused: %s %s",
                        record.partition(), record.offset(), error.code().wire(), error.message());
            }
        }
    }
}
