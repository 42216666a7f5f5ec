package io.pulsarws.websocket.transport;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One HTTP request and its response, as a transport presents it. Header and query values are what the client sent:
 * nothing here is validated.
 */
@ProviderType
public interface HttpExchange {
    /** @return the request method, e.g. {@code GET} */
    String method();

    /** @return the request path below the web context, as sent (not decoded), e.g. {@code /ws/v2/producer/...} */
    String path();

    /** @return the raw query string (without {@code ?}), or null */
    String query();

    /** @return the first value of a request header, or null */
    String header(String name);

    /** @return every value of a request header, in order; empty when absent */
    List<String> headers(String name);

    /** @return the client's IP address, as the connection (not a header) says */
    String remoteAddress();

    /** @return the client's port */
    int remotePort();

    /** @return true if the request came over TLS */
    boolean secure();

    /** @return the declared {@code Content-Length}, or -1 */
    long contentLength();

    /** @return a value kept with this request, or null */
    Object attribute(String name);

    /** Keeps a value with this request (null removes it). */
    void attribute(String name, Object value);

    /** Sets the response status. */
    void status(int status);

    /** @return the response status set so far */
    int status();

    /** Sets the response's content type. */
    void contentType(String type);

    /** Sets a response header, replacing any value it had. */
    void header(String name, String value);

    /** Sets the response's {@code Content-Length}. */
    void contentLength(long bytes);

    /**
     * @return the response body; writes block unless a {@link Async.WriteListener} was set, after which they must
     *     follow {@link Async#writeReady()}
     */
    OutputStream body() throws IOException;

    /** Sends the status and headers (and what the body holds) now. */
    void flush() throws IOException;

    /** Answers a redirect to {@code location}, a path below the web context (e.g. {@code /pulsar-websocket/console/}). */
    void redirect(String location) throws IOException;

    /**
     * Puts the exchange in asynchronous mode: it does not end when the route's {@code serve} returns, only at
     * {@link Async#complete()}.
     */
    Async startAsync();

    /** An exchange in asynchronous mode: non-blocking reads and writes, completion, container events. */
    @ProviderType
    interface Async {
        /** The container's own deadline for the exchange; 0 for none. */
        void timeout(long millis);

        /** Receives the container's events for this exchange. */
        void listen(Events events);

        /** Ends the exchange. Throws {@link IllegalStateException} when it has ended already. */
        void complete();

        /** Starts reading the request body without blocking: the listener is called when bytes can be read. */
        void read(ReadListener listener);

        /** @return true if {@link #read(byte[], int, int)} will not block */
        boolean readReady();

        /** @return bytes read into {@code b}, or -1 at the end of the body */
        int read(byte[] b, int off, int len) throws IOException;

        /** Writes the response body without blocking from now on: the listener is called when writing can go on. */
        void write(WriteListener listener);

        /** @return true if a write now will not block; if false, the listener is called once it can */
        boolean writeReady();

        /** Writes (only when {@link #writeReady()}). */
        void write(byte[] b, int off, int len) throws IOException;

        /** Flushes what was written (only when {@link #writeReady()}). */
        void flush() throws IOException;
    }

    /** The container's events for an asynchronous exchange. */
    interface Events {
        /** The exchange ended (completed, or the connection is gone). */
        void onComplete();

        /** The container's timeout ({@link Async#timeout}) passed. */
        void onTimeout();

        /** The exchange failed (e.g. the client went away). */
        void onError(Throwable cause);
    }

    /** Non-blocking reading of a request body. */
    interface ReadListener {
        void onDataAvailable() throws IOException;

        void onAllDataRead() throws IOException;

        void onError(Throwable cause);
    }

    /** Non-blocking writing of a response body. */
    interface WriteListener {
        void onWritePossible() throws IOException;

        void onError(Throwable cause);
    }
}
