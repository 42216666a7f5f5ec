package io.pulsarws.codec;

import com.fasterxml.jackson.core.JsonFactory;
import java.util.Base64;
import java.util.Map;

/**
 * Reads and writes the JSON frames of Pulsar's WebSocket API with Jackson's streaming API.
 *
 * <p>Reading follows Pulsar's own service: unknown fields are ignored, a JSON number or boolean where a string is
 * expected is taken as its text (the API page's Python example sends {@code "context": 5}), and base64 is the
 * standard alphabet with optional padding. Writing produces exactly the fields Pulsar's service writes.
 *
 *
 * <p>This class is the API; the work is split by direction: {@link FrameInput} opens every client frame and reads
 * its fields, {@link SendFrameReader} and {@link CommandReader} read the frames producers and consumers send,
 * {@link FrameWriter} writes the frames the gateway sends.
 *
 * <p>Instances are immutable and thread-safe; create one per component that needs it.
 */
public final class FrameCodec {
    private static final Base64.Encoder BASE64_ENCODER = Base64.getEncoder();

    private final JsonFactory json = JsonFactory.builder().build();
    private final SendFrameReader sends = new SendFrameReader(json);
    private final CommandReader commands = new CommandReader(json);
    private final FrameWriter writer = new FrameWriter(json);

    /**
     * Reads a producer's send frame.
     *
     * @param text the text frame
     * @return the frame
     * @throws FrameException {@code send-error:3} for malformed JSON, {@code send-error:7} for a missing or
     *     undecodable payload or event time
     */
    public ProducerFrame decodeProducerFrame(String text) throws FrameException {
        return sends.read(FrameInput.text(text), PayloadFormat.BASE64);
    }

    /**
     * Reads a producer's send frame from its bytes, as they came off the socket: no text is made of the frame, only
     * of its fields. The endpoint has checked that they are UTF-8; a frame that Jackson would read otherwise than its text (a
     * leading byte-order mark, a zero byte in the first four) is read as text, so that it is refused exactly as
     * before.
     *
     * @param utf8 the frame's bytes
     * @param offset where the frame starts in {@code utf8}
     * @param length the frame's length in bytes
     * @return the frame
     * @throws FrameException as {@link #decodeProducerFrame(String)}
     * @since 2.2.0
     */
    public ProducerFrame decodeProducerFrame(byte[] utf8, int offset, int length) throws FrameException {
        return decodeProducerFrame(utf8, offset, length, PayloadFormat.BASE64);
    }

    /**
     * Reads a producer's send frame from its bytes, its {@code payload} in the session's format: base64 (as
     * {@link #decodeProducerFrame(byte[], int, int)}), a JSON string stored as its UTF-8 bytes ({@code text}), or
     * any JSON value stored as its compact JSON text ({@code json}). A payload of another type is
     * {@code send-error:7}.
     *
     * @param utf8 the frame's bytes
     * @param offset where the frame starts in {@code utf8}
     * @param length the frame's length in bytes
     * @param format the session's payload format
     * @return the frame
     * @throws FrameException as {@link #decodeProducerFrame(String)}
     * @since 2.3.0
     */
    public ProducerFrame decodeProducerFrame(byte[] utf8, int offset, int length, PayloadFormat format)
            throws FrameException {
        return sends.read(utf8, offset, length, format);
    }

    /**
     * Reads the client-side encryption keys of a producer's {@code encryptionKeys} query parameter (PIP-290):
     * base64 of {@code {"<keyName>":{"keyValue":"<base64 encrypted data key>","metadata":{...}}}}.
     *
     * @param encryptionKeys the parameter's value
     * @return the keys by name, or null if the value is not in that form (then it names server-side keys)
     */
    public Map<String, EncryptionInfo.Key> decodeClientEncryptionKeys(String encryptionKeys) {
        return sends.encryptionKeys(encryptionKeys);
    }

    /**
     * Reads a consumer's or reader's command frame. As in Pulsar, a frame without a known {@code type} is an
     * acknowledgement and must then carry a {@code messageId}.
     *
     * @param text the text frame
     * @return the command
     * @throws FrameException code 3 for malformed JSON, a missing or non-base64 message id, or a permit
     *     without a positive {@code permitMessages}
     */
    public ConsumerCommand decodeConsumerCommand(String text) throws FrameException {
        return commands.read(FrameInput.text(text));
    }

    /**
     * Reads a consumer's or reader's command from its bytes, as {@link #decodeProducerFrame(byte[], int, int)} reads
     * a send frame.
     *
     * @param utf8 the frame's bytes
     * @param offset where the frame starts in {@code utf8}
     * @param length the frame's length in bytes
     * @return the command
     * @throws FrameException as {@link #decodeConsumerCommand(String)}
     * @since 2.2.0
     */
    public ConsumerCommand decodeConsumerCommand(byte[] utf8, int offset, int length) throws FrameException {
        return commands.read(FrameInput.frame(utf8, offset, length));
    }

    /**
     * Decodes a base64 message id as sent by clients and checks it with {@link MessageIds#check} before anything
     * else reads it.
     *
     * @param messageId the base64 text
     * @return the raw id bytes
     * @throws FrameException code 3 when the text is not base64 or not a message id this gateway accepts
     */
    public byte[] decodeMessageId(String messageId) throws FrameException {
        return CommandReader.messageId(messageId);
    }

    /**
     * @param messageId raw message id bytes
     * @return the base64 text clients see
     */
    public String encodeMessageId(byte[] messageId) {
        return BASE64_ENCODER.encodeToString(messageId);
    }

    /**
     * @param messageId the stored message's id, base64
     * @param context the send frame's context, or null
     * @return {@code {"result":"ok","messageId":...,"context":...,"errorCode":0,"schemaVersion":0}}
     */
    public String encodeSendOk(String messageId, String context) {
        return writer.sendOk(messageId, context);
    }

    /**
     * @param error the API error
     * @param message a short reason, or null for the error's description
     * @param context the send frame's context, or null
     * @return {@code {"result":"send-error:N","errorMsg":...,"context":...,"errorCode":0,"schemaVersion":0}}
     */
    public String encodeSendError(WebSocketError error, String message, String context) {
        return writer.sendError(error, message, context);
    }

    /**
     * A send whose fate is not known: the broker may have stored the message or not (it timed out, or the
     * connection was lost while the broker had it). Still {@code send-error:8} for clients that only read
     * {@code result}, with {@code "outcome":"unknown"} for those that resend: a resend with the same
     * {@code sequenceId} and {@code producerName} is then deduplicated by the broker.
     *
     * @param message a short reason
     * @param context the send frame's context, or null
     * @return {@code {"result":"send-error:8","errorMsg":...,"outcome":"unknown","context":...,"errorCode":0,
     *     "schemaVersion":0}}
     * @since 1.2.0
     */
    public String encodeSendUnknown(String message, String context) {
        return writer.sendUnknown(message, context);
    }

    /**
     * @param m the message
     * @return the pushed message frame, with {@code eventTime} and {@code key} only when set
     */
    public String encodeMessage(DeliveredMessage m) {
        return encodeMessage(m, PayloadFormat.BASE64);
    }

    /**
     * @param m the message
     * @param format the session's payload format: with {@code text} the payload is a JSON string when the bytes
     *     are UTF-8, with {@code json} the JSON value they hold when they parse as one; otherwise (and for a
     *     message delivered still encrypted) it is base64 and the frame says {@code "payloadFormat":"base64"}
     * @return the pushed message frame, with {@code eventTime} and {@code key} only when set
     * @since 2.3.0
     */
    public String encodeMessage(DeliveredMessage m, PayloadFormat format) {
        return writer.message(m, format, null);
    }

    /**
     * A message of a topic with an Avro schema, for a session with {@code payloadFormat=json}.
     *
     * @param m the message, with its payload as stored (Avro binary)
     * @param decoded the value as compact JSON text ({@link AvroJson#toJson}), written as it is; or null when the
     *     payload did not decode, which is then base64 and the frame says {@code "payloadFormat":"base64"}
     * @return the pushed message frame
     * @since 2.4.0
     */
    public String encodeDecodedMessage(DeliveredMessage m, byte[] decoded) {
        return writer.message(m, PayloadFormat.JSON, decoded == null ? FrameWriter.NOT_DECODED : decoded);
    }

    /**
     * Finds the frames of an HTTP request body without reading them: the body is one JSON object, or a JSON array
     * of objects, and nothing else.
     *
     * @param body the whole body
     * @param maxFrames how many frames an array may hold
     * @return where each frame is
     * @throws IllegalArgumentException with a plain reason (for a 400 answer) when the body is not of that shape,
     *     not JSON, or holds more than {@code maxFrames} frames
     * @since 2.4.0
     */
    public FrameSpans splitFrames(byte[] body, int maxFrames) {
        return FrameInput.split(json, body, maxFrames);
    }

    /**
     * Reports that a consumer command this gateway adds to the protocol ({@code ackCumulative}, {@code seek})
     * failed; Pulsar's consumer commands have no answer frame.
     *
     * @param command the command's {@code type}
     * @param error the API error
     * @param message a short reason
     * @return {@code {"type":"error","command":...,"errorCode":N,"errorMsg":...}}
     */
    public String encodeCommandError(String command, WebSocketError error, String message) {
        return writer.commandError(command, error, message);
    }

    /**
     * @param endOfTopic whether the topic is terminated and fully consumed
     * @return {@code {"endOfTopic":true|false}}
     */
    public String encodeEndOfTopic(boolean endOfTopic) {
        return writer.endOfTopic(endOfTopic);
    }
}
