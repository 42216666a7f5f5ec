package io.pulsarws.session.internal;

import io.pulsarws.session.OpenRefusedException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pulsar.client.api.PulsarClientException;

/** Maps a failure to create a producer or consumer onto the HTTP status Pulsar's own service answers. */
final class Refusals {
    private Refusals() {}

    /** @return the failure itself, without the future wrappers around it */
    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static OpenRefusedException of(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof OpenRefusedException refusal) {
            return refusal;
        }
        if (t instanceof IllegalArgumentException) {
            return new OpenRefusedException(400, t.getMessage());
        }
        return new OpenRefusedException(status(t), "Failed to create producer/consumer: " + reason(t));
    }

    static int status(Throwable t) {
        if (t instanceof PulsarClientException.AuthenticationException) {
            return 401;
        }
        if (t instanceof PulsarClientException.AuthorizationException) {
            return 403;
        }
        if (t instanceof PulsarClientException.NotFoundException
                || t instanceof PulsarClientException.TopicDoesNotExistException) {
            return 404;
        }
        if (t instanceof PulsarClientException.ProducerBusyException
                || t instanceof PulsarClientException.ConsumerBusyException
                || t instanceof PulsarClientException.ProducerFencedException
                || t instanceof PulsarClientException.IncompatibleSchemaException) {
            return 409;
        }
        if (t instanceof PulsarClientException.TooManyRequestsException) {
            return 429;
        }
        if (t instanceof PulsarClientException.ProducerBlockedQuotaExceededError
                || t instanceof PulsarClientException.ProducerBlockedQuotaExceededException
                || t instanceof PulsarClientException.TopicTerminatedException) {
            return 503;
        }
        if (t instanceof PulsarClientException.TimeoutException || t instanceof java.util.concurrent.TimeoutException) {
            return 504;
        }
        return 500;
    }

    /**
     * @return true if a failed send was certainly not stored (the client or the broker refused it before writing
     *     it); false when it may have been stored, e.g. a timeout or a producer closed with the send pending: the
     *     result then says {@code "outcome":"unknown"}, never that the message was refused
     */
    static boolean notStored(Throwable failure) {
        Throwable t = unwrap(failure);
        return t instanceof PulsarClientException.ProducerQueueIsFullError
                || t instanceof PulsarClientException.MemoryBufferIsFullError
                || t instanceof PulsarClientException.TopicTerminatedException
                || t instanceof PulsarClientException.ProducerBlockedQuotaExceededError
                || t instanceof PulsarClientException.ProducerBlockedQuotaExceededException
                || t instanceof PulsarClientException.InvalidMessageException
                || t instanceof PulsarClientException.NotAllowedException
                || t instanceof PulsarClientException.CryptoException
                || t instanceof PulsarClientException.AuthorizationException
                || t instanceof PulsarClientException.AuthenticationException
                || t instanceof PulsarClientException.IncompatibleSchemaException
                || t instanceof IllegalArgumentException;
    }

    /**
     * The broker's own words, without exception class names or stack traces. The client wraps some broker errors
     * in JSON with request ids and socket addresses ({@code {"errorMsg":"...","reqId":...}}): only the message is
     * kept.
     */
    static String reason(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        String line = nl < 0 ? m : m.substring(0, nl);
        String prefix = "{\"errorMsg\":\"";
        if (line.startsWith(prefix)) {
            int end = line.indexOf('"', prefix.length());
            if (end > prefix.length()) {
                return line.substring(prefix.length(), end);
            }
        }
        return line;
    }
}
