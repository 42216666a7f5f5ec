package io.pulsarws.codec;

/**
 * The error codes 1 to 8 of the Pulsar WebSocket API. A producer reports them in-band as
 * {@code "result":"send-error:N"}; a consumer or reader session that must end because of one is closed with
 * the valid RFC 6455 application close code {@code 4000 + N} (Pulsar sends N itself, which no client can see).
 */
public enum WebSocketError {
    /** 1: the producer could not be created. */
    FAILED_TO_CREATE_PRODUCER(1, "Failed to create producer"),
    /** 2: the subscription could not be created. */
    FAILED_TO_SUBSCRIBE(2, "Failed to subscribe"),
    /** 3: a frame is not the JSON the endpoint expects. */
    FAILED_TO_DESERIALIZE_FROM_JSON(3, "Failed to de-serialize from JSON"),
    /** 4: a frame could not be written as JSON. */
    FAILED_TO_SERIALIZE_TO_JSON(4, "Failed to serialize to JSON"),
    /** 5: the client could not be authenticated. */
    AUTHENTICATION_ERROR(5, "Failed to authenticate client"),
    /** 6: the client is not authorized. */
    NOT_AUTHORIZED_ERROR(6, "Client is not authorized"),
    /** 7: a payload or other encoded field is not valid (base64, time). */
    PAYLOAD_ENCODING_ERROR(7, "Invalid payload encoding"),
    /** 8: any other failure, typically reported by the broker. */
    UNKNOWN_ERROR(8, "Unknown error");

    /** First code of the range RFC 6455 leaves to applications. */
    public static final int APPLICATION_CLOSE_BASE = 4000;

    private final int code;
    private final String description;

    WebSocketError(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** @return the API page's code, 1 to 8 */
    public int code() {
        return code;
    }

    /** @return the API page's short description */
    public String description() {
        return description;
    }

    /** @return the producer result string, {@code send-error:N} */
    public String sendResult() {
        return "send-error:" + code;
    }

    /** @return the WebSocket close code used when this error ends a session, {@code 4000 + N} */
    public int closeCode() {
        return APPLICATION_CLOSE_BASE + code;
    }
}
