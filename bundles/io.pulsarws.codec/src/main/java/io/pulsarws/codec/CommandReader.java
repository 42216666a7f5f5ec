package io.pulsarws.codec;

import static io.pulsarws.codec.FrameInput.brief;
import static io.pulsarws.codec.FrameInput.deserialize;
import static io.pulsarws.codec.FrameInput.expectEnd;
import static io.pulsarws.codec.FrameInput.expectObject;
import static io.pulsarws.codec.FrameInput.longValue;
import static io.pulsarws.codec.FrameInput.scalarText;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.pulsarws.codec.FrameInput.Frame;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Reads a consumer's or reader's command frames, and the message ids they name. */
final class CommandReader {
    private final JsonFactory json;

    CommandReader(JsonFactory json) {
        this.json = json;
    }

    ConsumerCommand read(Frame frame) throws FrameException {
        String type = null;
        String messageId = null;
        Long permits = null;
        Long timestamp = null;
        try (JsonParser p = frame.open(json)) {
            expectObject(p);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "type" -> type = scalarText(p, value, field);
                    case "messageId" -> messageId = scalarText(p, value, field);
                    case "permitMessages" -> permits = longValue(p, value, field);
                    case "timestamp" -> timestamp = longValue(p, value, field);
                    default -> p.skipChildren();
                }
            }
            expectEnd(p);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw deserialize(brief(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ConsumerCommand.Type kind = commandType(type);
        switch (kind) {
            case PERMIT -> {
                if (permits == null || permits <= 0 || permits > Integer.MAX_VALUE) {
                    throw deserialize("permit needs a positive permitMessages");
                }
                return new ConsumerCommand(kind, null, null, permits.intValue(), 0);
            }
            case UNSUBSCRIBE, IS_END_OF_TOPIC -> {
                return new ConsumerCommand(kind, null, null, 0, 0);
            }
            case SEEK -> {
                if ((messageId == null) == (timestamp == null)) {
                    throw deserialize("seek needs exactly one of messageId and timestamp");
                }
                return messageId == null
                        ? new ConsumerCommand(kind, null, null, 0, timestamp)
                        : new ConsumerCommand(kind, messageId, messageId(messageId), 0, 0);
            }
            default -> {
                if (messageId == null || messageId.isEmpty()) {
                    throw deserialize("messageId is missing");
                }
                return new ConsumerCommand(kind, messageId, messageId(messageId), 0, 0);
            }
        }
    }

    /** @see FrameCodec#decodeMessageId */
    static byte[] messageId(String messageId) throws FrameException {
        try {
            return MessageIds.decode(messageId);
        } catch (IllegalArgumentException e) {
            throw deserialize("messageId is not a valid message id: " + e.getMessage());
        }
    }

    private static ConsumerCommand.Type commandType(String type) {
        if (type == null) {
            return ConsumerCommand.Type.ACK;
        }
        return switch (type) {
            case "negativeAcknowledge" -> ConsumerCommand.Type.NEGATIVE_ACKNOWLEDGE;
            case "permit" -> ConsumerCommand.Type.PERMIT;
            case "unsubscribe" -> ConsumerCommand.Type.UNSUBSCRIBE;
            case "isEndOfTopic" -> ConsumerCommand.Type.IS_END_OF_TOPIC;
            case "ackCumulative" -> ConsumerCommand.Type.ACK_CUMULATIVE;
            case "seek" -> ConsumerCommand.Type.SEEK;
            default -> ConsumerCommand.Type.ACK; // Pulsar treats any other type as an ack
        };
    }
}
