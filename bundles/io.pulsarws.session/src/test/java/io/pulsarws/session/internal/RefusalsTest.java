package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.session.OpenRefusedException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pulsar.client.api.PulsarClientException;
import org.junit.jupiter.api.Test;

/** The handshake statuses of Pulsar's service (spec §4.1) for each failure the Pulsar client reports. */
class RefusalsTest {

    private static int status(Throwable t) {
        return Refusals.of(new ExecutionException(t)).status();
    }

    @Test
    void mapsClientExceptionsToPulsarsStatuses() {
        assertEquals(400, status(new IllegalArgumentException("Invalid query params: x")));
        assertEquals(401, status(new PulsarClientException.AuthenticationException("bad token")));
        assertEquals(403, status(new PulsarClientException.AuthorizationException("no")));
        assertEquals(404, status(new PulsarClientException.NotFoundException("Namespace not found")));
        assertEquals(404, status(new PulsarClientException.TopicDoesNotExistException("missing")));
        assertEquals(409, status(new PulsarClientException.ProducerBusyException("busy")));
        assertEquals(409, status(new PulsarClientException.ConsumerBusyException("busy")));
        assertEquals(409, status(new PulsarClientException.ProducerFencedException("fenced")));
        assertEquals(409, status(new PulsarClientException.IncompatibleSchemaException("schema")));
        assertEquals(429, status(new PulsarClientException.TooManyRequestsException("slow down")));
        assertEquals(503, status(new PulsarClientException.ProducerBlockedQuotaExceededException("quota")));
        assertEquals(503, status(new PulsarClientException.ProducerBlockedQuotaExceededError("quota")));
        assertEquals(503, status(new PulsarClientException.TopicTerminatedException("terminated")));
        assertEquals(504, status(new PulsarClientException.TimeoutException("slow")));
        assertEquals(504, status(new TimeoutException()));
        assertEquals(500, status(new PulsarClientException("anything else")));
        assertEquals(500, status(new IllegalStateException("bug")));
    }

    @Test
    void unwrapsFuturesAndKeepsOnlyTheFirstLineOfTheReason() {
        OpenRefusedException r = Refusals.of(new CompletionException(
                new PulsarClientException.NotFoundException("Namespace not found\n\tat some.Frame(X.java:1)")));
        assertEquals(404, r.status());
        assertEquals("Failed to create producer/consumer: Namespace not found", r.getMessage());
        assertFalse(r.getMessage().contains("\tat "));
    }

    @Test
    void keepsOnlyTheBrokersMessageOfAJsonWrappedError() {
        OpenRefusedException r = Refusals.of(new CompletionException(new PulsarClientException.AuthorizationException(
                "{\"errorMsg\":\"Client is not authorized to Get Partition Metadata\",\"reqId\":1867209719772617600, "
                        + "\"remote\":\"127.0.0.1/127.0.0.1:45379\", \"local\":\"/127.0.0.1:59760\"}")));
        assertEquals(403, r.status());
        assertEquals(
                "Failed to create producer/consumer: Client is not authorized to Get Partition Metadata",
                r.getMessage());
    }

    @Test
    void passesARefusalThroughUnchanged() {
        OpenRefusedException dlq =
                new OpenRefusedException(403, "Not authorized to produce to the dead-letter topic x");
        assertEquals(dlq, Refusals.of(new CompletionException(dlq)));
    }

    /** Only failures where the broker certainly did not store the message may be answered as plainly refused. */
    @Test
    void aSendThatMayHaveBeenStoredIsNeverCalledRefused() {
        assertTrue(
                Refusals.notStored(new CompletionException(new PulsarClientException.TopicTerminatedException("t"))));
        assertTrue(Refusals.notStored(new PulsarClientException.ProducerQueueIsFullError("full")));
        assertTrue(Refusals.notStored(new PulsarClientException.InvalidMessageException("too big")));
        assertFalse(Refusals.notStored(new CompletionException(new PulsarClientException.TimeoutException("t"))));
        assertFalse(Refusals.notStored(new PulsarClientException.AlreadyClosedException("producer closed")));
        assertFalse(Refusals.notStored(new PulsarClientException("anything else")));
        assertFalse(Refusals.notStored(new IllegalStateException("unexpected")));
    }
}
